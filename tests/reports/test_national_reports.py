"""National reporting: ministries file annual reports of national programmes, which have no
province; provincial bodies cannot file them."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from portal.models import Organisation
from reports import services
from reports.models import ActivityReport, ReportingPeriod
from summaries.models import ProvincialSummary
from tests import factories
from tests.national import ministry, national_report

pytestmark = pytest.mark.django_db


def test_a_year_is_a_reporting_period_with_its_own_code_and_a_later_deadline():
    year = ReportingPeriod.objects.by_code("2026")

    with translation.override("en"):
        assert (year.kind, year.code, str(year.label)) == ("year", "2026", "Year 2026")
    assert (year.start_date.isoformat(), year.end_date.isoformat()) == ("2026-01-01", "2026-12-31")
    assert year.deadline_date.isoformat() == "2027-01-31"
    assert factories.programme("nap-national").period_kind == "year"


def test_a_ministry_files_an_annual_national_report_without_a_province(
    django_capture_on_commit_callbacks,
):
    mofa = ministry()

    with django_capture_on_commit_callbacks(execute=True):
        report = national_report(mofa, values={"PAR-05": (12, 60)})

    assert report.status == ActivityReport.Status.APPROVED
    assert report.province is None and report.period.code == "2026"
    rows = ProvincialSummary.objects.filter(indicator__code="PAR-05")
    assert [(r.province_id, r.numerator, r.denominator) for r in rows] == [(None, 12, 60)]


def test_a_provincial_organisation_cannot_file_a_national_programme():
    chapter = factories.OrganisationFactory(
        kind=Organisation.Kind.VWU_PROVINCIAL, province=factories.province("01")
    )
    factories.programme("nap-national").organisations.add(chapter)  # even when linked by mistake
    author = factories.reporter(organisation=chapter)

    with translation.override("en"), pytest.raises(services.WorkflowError, match="national bodies"):
        services.report_create(
            actor=author,
            organisation=chapter,
            programme=factories.programme("nap-national"),
            period=factories.period("2026"),
        )
    assert not ActivityReport.objects.exists()


def test_a_national_civil_society_organisation_is_not_a_kind_that_reports_national_figures():
    network = factories.OrganisationFactory(kind=Organisation.Kind.CSO, province=None)
    factories.programme("nap-national").organisations.add(network)

    with translation.override("en"), pytest.raises(services.WorkflowError, match="do not report"):
        services.report_create(
            actor=factories.reporter(organisation=network),
            organisation=network,
            programme=factories.programme("nap-national"),
            period=factories.period("2026"),
        )


def test_an_annual_programme_takes_no_quarter_and_a_quarterly_one_no_year():
    mofa = ministry()
    author = factories.reporter(organisation=mofa)

    with pytest.raises(services.WorkflowError):
        services.report_create(
            actor=author,
            organisation=mofa,
            programme=factories.programme("nap-national"),
            period=factories.period("2026-Q2"),
        )
    with pytest.raises(services.WorkflowError):
        factories.draft_report(period_code="2026")


def test_a_national_report_refuses_a_province_and_keeps_none():
    report = national_report(ministry(), approve=False)
    services.report_withdraw(actor=report.created_by, report_id=report.pk)

    with pytest.raises(ValidationError) as error:
        services.report_update(
            actor=report.created_by,
            report_id=report.pk,
            content=services.ReportContent(
                title="t", province_id=factories.province("01").pk, commune="Xã A"
            ),
        )

    assert "province" in error.value.message_dict
    report.refresh_from_db()
    assert report.province is None and report.commune == ""


def test_a_provincial_reviewer_is_not_notified_of_nor_sees_a_national_report(client):
    provincial = factories.reviewer(provinces=[factories.province("01")])
    unscoped = factories.reviewer()
    report = national_report(ministry(), approve=False)

    assert not provincial.notifications.exists()
    assert not unscoped.notifications.exists()
    client.force_login(provincial)
    assert client.get(report.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("own_reporter", 200),
        ("other_ministry", 404),
        ("ministry_reviewer", 200),
        ("provincial_reviewer", 404),
        ("admin", 200),
    ],
)
def test_the_national_report_page_by_role(client, who, status):
    mofa = ministry()
    report = national_report(mofa, approve=False)
    users = {
        "own_reporter": lambda: report.created_by,
        "other_ministry": lambda: factories.reporter(organisation=ministry()),
        "ministry_reviewer": lambda: factories.reviewer(organisations=[mofa]),
        "provincial_reviewer": lambda: factories.reviewer(provinces=[factories.province("01")]),
        "admin": factories.admin_user,
    }
    client.force_login(users[who]())

    response = client.get(report.get_absolute_url())

    assert response.status_code == status
    if status == 200:
        with translation.override("vi"):
            location = translation.gettext("Whole country (national figures, no province)")
        assert location in response.content.decode()


def test_the_ministrys_forms_ask_for_no_province(client):
    mofa = ministry()
    author = factories.reporter(organisation=mofa)
    client.force_login(author)

    new = client.get(reverse("reports:create"))
    assert "province" not in new.context["form"].fields
    response = client.post(
        reverse("reports:create"),
        {
            "organisation": mofa.pk,
            "programme": factories.programme("nap-national").pk,
            "period": factories.period("2026").pk,
        },
    )
    report = ActivityReport.objects.get()
    assert response.status_code == 302 and report.province is None
    edit = client.get(reverse("reports:edit", kwargs={"pk": report.pk}))
    assert edit.status_code == 200
    assert "province" not in edit.context["form"].fields
    assert "commune" not in edit.context["form"].fields
