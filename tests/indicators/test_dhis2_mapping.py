"""The DHIS2 mapping: UIDs checked (form and database), editable in the admin, imported from
CSV all or nothing with each bad row named, by administrators only."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from indicators.dhis2 import MappingImportError, mapping_import
from indicators.models import (
    CategoryOptionComboMapping,
    DataElementMapping,
    Indicator,
    OrgUnitMapping,
)
from portal.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English (the portal's default language is Vietnamese)."""
    with translation.override("en"):
        yield


HEADER = "mapping,code,cell,uid\n"


def ratio_code() -> str:
    return Indicator.objects.filter(aggregation="ratio").order_by("code").first().code


def test_a_uid_must_have_eleven_letters_and_digits_starting_with_a_letter():
    mapping = DataElementMapping(indicator=Indicator.objects.get(code="TA-01"))
    for bad in ("short", "1bcdefghijk", "abcdefghij!", "abcdefghijkl"):
        mapping.data_element = bad
        with pytest.raises(ValidationError):
            mapping.full_clean()
    mapping.data_element = "fbfJHSPpUQD"
    mapping.full_clean()


def test_the_database_refuses_a_malformed_uid_too():
    with pytest.raises(IntegrityError), transaction.atomic():
        OrgUnitMapping.objects.create(province=None, org_unit="not-a-uid!!")


def test_the_nation_has_one_org_unit_like_each_province():
    OrgUnitMapping.objects.create(province=None, org_unit="Hjw70Lodtf2")
    OrgUnitMapping.objects.create(province=factories.province("01"), org_unit="ImspTQPwCqd")

    with pytest.raises(IntegrityError), transaction.atomic():
        OrgUnitMapping.objects.create(province=None, org_unit="Hjw70Lodtf3")


def test_a_combo_must_name_a_cell_of_its_indicator():
    combo = CategoryOptionComboMapping(
        indicator=Indicator.objects.get(code="TA-01"),  # no breakdown: only its total
        dimension="sex",
        category="female",
        category_option_combo="Prlt0C1RF0s",
    )

    with pytest.raises(ValidationError, match="no cell"):
        combo.full_clean()


def test_a_good_file_sets_every_mapping_it_lists_and_is_audited():
    admin = factories.admin_user()
    ratio = ratio_code()
    content = (
        HEADER + "data_element,TA-02,,fbfJHSPpUQD\n"
        f"data_element,{ratio},,cYeuwXTCPkU\n"
        f"denominator,{ratio},,pikOziyCXbM\n"
        "category_option_combo,TA-02,total,HllvX50cXC0\n"
        "category_option_combo,TA-02,sex:female,Prlt0C1RF0s\n"
        "org_unit,01,,ImspTQPwCqd\n"
        "org_unit,VN,,Hjw70Lodtf2\n"
    ).encode()

    imported = mapping_import(actor=admin, content=content)

    assert (imported.data_elements, imported.category_option_combos, imported.org_units) == (
        2,
        2,
        2,
    )
    ratio_mapping = DataElementMapping.objects.get(indicator__code=ratio)
    assert (ratio_mapping.data_element, ratio_mapping.denominator_data_element) == (
        "cYeuwXTCPkU",
        "pikOziyCXbM",
    )
    assert (
        CategoryOptionComboMapping.objects.get(
            indicator__code="TA-02", dimension="sex", category="female"
        ).category_option_combo
        == "Prlt0C1RF0s"
    )
    assert OrgUnitMapping.objects.get(province=None).org_unit == "Hjw70Lodtf2"
    assert AuditEvent.objects.get(action="dhis2_mapping").detail == "de=2 coc=2 ou=2"


def test_importing_again_updates_in_place():
    admin = factories.admin_user()
    mapping_import(actor=admin, content=(HEADER + "org_unit,01,,ImspTQPwCqd\n").encode())

    mapping_import(actor=admin, content=(HEADER + "org_unit,01,,O6uvpzGd5pu\n").encode())

    assert list(OrgUnitMapping.objects.values_list("org_unit", flat=True)) == ["O6uvpzGd5pu"]


def test_one_bad_row_changes_nothing_and_every_bad_row_is_named():
    admin = factories.admin_user()
    OrgUnitMapping.objects.create(province=None, org_unit="Hjw70Lodtf2")
    content = (
        HEADER + "org_unit,VN,,O6uvpzGd5pu\n"  # good, but must not be applied
        "data_element,NOPE-1,,fbfJHSPpUQD\n"
        "denominator,TA-01,,fbfJHSPpUQD\n"
        "category_option_combo,TA-02,sex:robot,HllvX50cXC0\n"
        "org_unit,99,,ImspTQPwCqd\n"
        "org_unit,01,,too-short\n"
        "colour,01,,ImspTQPwCqd\n"
    ).encode()

    with pytest.raises(MappingImportError) as refused:
        mapping_import(actor=admin, content=content)

    errors = refused.value.errors
    assert [error.split(":")[0] for error in errors] == [f"Line {n}" for n in range(3, 9)]
    assert "NOPE-1" in errors[0]
    assert "not a ratio" in errors[1]
    assert "sex:robot" in errors[2]
    assert "99" in errors[3]
    assert "11 letters and digits" in errors[4]
    assert "colour" in errors[5]
    assert OrgUnitMapping.objects.get().org_unit == "Hjw70Lodtf2"
    assert not DataElementMapping.objects.exists()
    assert not AuditEvent.objects.filter(action="dhis2_mapping").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"code,uid\nTA-01,fbfJHSPpUQD\n", "header"),
        ("mapping,code,cell,uid\norg_unit,01,,Hjw70Lodtf2\n".encode("utf-16"), "UTF-8"),
        (HEADER.encode(), "no mappings"),
        (b"x" * 2_000_001, "2 MB"),
    ],
)
def test_a_file_that_is_not_a_mapping_is_refused_clearly(content, message):
    with pytest.raises(MappingImportError, match=message):
        mapping_import(actor=factories.admin_user(), content=content)


def test_a_denominator_needs_its_data_element():
    with pytest.raises(MappingImportError, match="data element before its denominator"):
        mapping_import(
            actor=factories.admin_user(),
            content=(HEADER + f"denominator,{ratio_code()},,pikOziyCXbM\n").encode(),
        )


@pytest.mark.parametrize("role", ["reporter", "reviewer"])
def test_only_administrators_import(role):
    with pytest.raises(PermissionDenied):
        mapping_import(
            actor=getattr(factories, role)(),
            content=(HEADER + "org_unit,01,,ImspTQPwCqd\n").encode(),
        )

    assert not OrgUnitMapping.objects.exists()


def test_the_admin_edits_a_mapping_and_refuses_a_bad_uid(client):
    admin = factories.admin_user()
    admin.is_superuser = True  # inside the admin, Django's model permissions apply
    admin.save(update_fields=["is_superuser"])
    client.force_login(admin)
    indicator = Indicator.objects.get(code="TA-01")

    refused = client.post(
        "/admin/indicators/dataelementmapping/add/",
        {"indicator": indicator.pk, "data_element": "bad", "denominator_data_element": ""},
    )
    accepted = client.post(
        "/admin/indicators/dataelementmapping/add/",
        {"indicator": indicator.pk, "data_element": "fbfJHSPpUQD", "denominator_data_element": ""},
    )

    assert refused.status_code == 200 and "11 chữ cái và chữ số" in refused.content.decode()
    assert accepted.status_code == 302
    assert DataElementMapping.objects.get().data_element == "fbfJHSPpUQD"
    assert client.get("/admin/indicators/orgunitmapping/").status_code == 200
    assert client.get("/admin/indicators/categoryoptioncombomapping/").status_code == 200
