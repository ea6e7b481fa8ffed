"""The programme admin: who reports a programme; a national one is kept to national bodies."""

import pytest

from indicators.admin import ProgrammeForm
from indicators.models import Programme
from portal.models import Organisation
from tests import factories

pytestmark = pytest.mark.django_db


def _data(programme: Programme, **changes) -> dict:
    data = {
        "code": programme.code,
        "name_vi": programme.name_vi,
        "name_en": programme.name_en,
        "description_vi": programme.description_vi,
        "description_en": programme.description_en,
        "default_pillar": programme.default_pillar,
        "frequency": programme.frequency,
        "level": programme.level,
        "organisation_kinds": programme.organisation_kinds,
        "indicators": [i.pk for i in programme.indicators.all()],
        "organisations": [o.pk for o in programme.organisations.all()],
        "is_active": programme.is_active,
    }
    return {**data, **changes}


def test_a_national_programme_refuses_a_provincial_organisation():
    national = Programme.objects.get(code="nap-national")
    chapter = factories.OrganisationFactory(kind=Organisation.Kind.VWU_PROVINCIAL)
    form = ProgrammeForm(_data(national, organisations=[chapter.pk]), instance=national)

    assert not form.is_valid()
    assert "organisations" in form.errors
    assert not national.organisations.exists()


def test_the_kinds_of_organisation_that_report_are_chosen_from_the_kinds():
    programme = Programme.objects.get(code="other")
    form = ProgrammeForm(
        _data(programme, organisation_kinds=["cso", "ministry"]), instance=programme
    )

    assert form.is_valid(), form.errors
    form.save()

    programme.refresh_from_db()
    assert programme.organisation_kinds == ["cso", "ministry"]
    assert not ProgrammeForm(
        _data(programme, organisation_kinds=["nobody"]), instance=programme
    ).is_valid()


def test_an_indicator_is_not_given_to_a_programme_of_another_level_or_frequency():
    """PAR-01 is reported nationally once a year: a quarterly provincial programme cannot take
    it, and the national programme cannot become quarterly while it carries it."""
    provincial = Programme.objects.get(code="other")
    national = Programme.objects.get(code="nap-national")
    par_01 = national.indicators.get(code="PAR-01")
    before = list(provincial.indicators.values_list("pk", flat=True))
    form = ProgrammeForm(_data(provincial, indicators=[*before, par_01.pk]), instance=provincial)

    assert not form.is_valid()
    assert "PAR-01 (nap-national)" in str(form.errors["indicators"])
    assert list(provincial.indicators.values_list("pk", flat=True)) == before

    # A second national annual programme carries PAR-01 too: the national programme may not
    # turn quarterly under it, and may stay as it is.
    other_national = Programme.objects.create(
        code="mofa-dialogues",
        name_vi="Đối thoại",
        name_en="Dialogues",
        default_pillar=national.default_pillar,
        frequency=Programme.Frequency.ANNUAL,
        level=Programme.Level.NATIONAL,
    )
    other_national.indicators.add(par_01)
    quarterly = ProgrammeForm(
        _data(national, frequency=Programme.Frequency.QUARTERLY), instance=national
    )
    assert not quarterly.is_valid()
    assert "PAR-01 (mofa-dialogues)" in str(quarterly.errors["indicators"])
    national.refresh_from_db()  # the refused form left its choices on the instance
    same = ProgrammeForm(_data(national), instance=national)
    assert same.is_valid(), same.errors
