from decimal import Decimal

import pytest

from indicators.models import Indicator, Programme, Target
from portal.models import LegacyProvince, Province


@pytest.mark.django_db
def test_the_34_provinces_and_the_63_they_replaced_are_loaded():
    assert Province.objects.count() == 34
    assert LegacyProvince.objects.count() == 63
    assert LegacyProvince.objects.get(code="82").successor.code == "82"
    assert LegacyProvince.objects.get(code="87").successor.short_name_vi == "Đồng Tháp"
    assert Province.objects.get(code="22").division_type == "thành phố trung ương"


@pytest.mark.django_db
def test_the_catalogue_keeps_sources_targets_and_qualifiers():
    pro05 = Indicator.objects.get(code="PRO-05")
    target = Target.objects.get(indicator=pro05, kind="target", year=2025)

    assert target.qualifier == ">="
    assert target.value == Decimal("50")
    assert "2232" in pro05.source
    assert pro05.aggregation == Indicator.Aggregation.RATIO
    assert Indicator.objects.get(code="PH-01").disaggregations == ["sex", "age", "disability"]
    assert Target.objects.get(indicator__code="PH-01", kind="baseline").year == 2020


@pytest.mark.django_db
def test_every_programme_asks_for_indicators_from_the_catalogue():
    peace_house = Programme.objects.get(code="peace-house")

    assert set(peace_house.indicators.values_list("code", flat=True)) >= {"PH-01", "PH-05"}
    assert Programme.objects.count() == 7


@pytest.mark.django_db
def test_every_indicator_with_a_target_is_reported_through_a_programme_by_some_kind_of_body():
    with_targets = Indicator.objects.filter(targets__kind=Target.Kind.TARGET).distinct()

    unreportable = [
        indicator.code
        for indicator in with_targets
        if not any(
            programme.is_active and programme.organisation_kinds
            for programme in indicator.programmes.all()
        )
    ]

    assert with_targets.count() == 10
    assert unreportable == []


@pytest.mark.django_db
def test_every_active_indicator_belongs_to_programmes_of_one_level_and_one_frequency():
    """An indicator reported nationally is reported only nationally (its national cells are not
    the provinces' sum), and by one kind of period (an annual period is the year)."""
    for indicator in Indicator.objects.filter(is_active=True).prefetch_related("programmes"):
        programmes = list(indicator.programmes.all())

        assert programmes, indicator.code
        assert len({(p.level, p.frequency) for p in programmes}) == 1, indicator.code


@pytest.mark.django_db
def test_targets_reported_nationally_go_to_ministries_once_a_year():
    national = Programme.objects.get(code="nap-national")

    assert national.is_national
    assert national.period_kind == "year"
    assert set(national.organisation_kinds) == {"ministry", "vwu_central"}
    assert {"PAR-01", "PAR-02", "PAR-04", "PAR-05", "PRO-04", "PRO-05", "PRO-06"} <= set(
        national.indicators.values_list("code", flat=True)
    )


@pytest.mark.django_db
def test_the_international_cooperation_pillar_has_project_defined_indicators_and_a_programme():
    indicators = Indicator.objects.filter(pillar="international_cooperation").order_by("code")
    programme = Programme.objects.get(code="international-cooperation")

    assert [i.code for i in indicators] == ["IC-01", "IC-02", "IC-03", "IC-04", "IC-05"]
    assert all(i.source.startswith("project-defined") for i in indicators)
    assert Indicator.objects.get(code="IC-05").is_ratio
    assert set(programme.indicators.values_list("code", flat=True)) == {i.code for i in indicators}
    assert programme.is_national and programme.default_pillar == "international_cooperation"


def test_every_catalogue_row_declares_a_valid_disaggregation():
    import csv

    from indicators import disaggregation
    from indicators.reference_data import FIXTURES

    with (FIXTURES / "nap_indicators.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))

    for row in rows:
        declared = disaggregation.parse(row["disaggregations"])  # raises when invalid
        assert disaggregation.parse(disaggregation.unparse(declared)) == declared, row["code"]
    cr01 = next(row for row in rows if row["code"] == "CR-01")
    assert disaggregation.parse(cr01["disaggregations"]) == {
        "sex": ["female"],
        "age": ["18-24", "25-49", "50-59", "60+", "unknown"],
        "disability": ["yes", "no", "unknown"],
    }


@pytest.mark.django_db
def test_the_loaded_catalogue_follows_the_csv_declarations():
    cr01 = Indicator.objects.get(code="CR-01")
    pro01 = Indicator.objects.get(code="PRO-01")

    assert cr01.disaggregations == ["age", "disability"]  # sex is a restriction, not a breakdown
    assert [str(label) for _d, label in cr01.restrictions] and cr01.restrictions[0][1]
    assert pro01.is_ratio and pro01.disaggregations == ["sex", "age", "disability"]
