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
