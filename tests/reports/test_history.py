"""Every version of a report is kept: an admin sees it as submitted and as approved."""

import pytest
from django.urls import reverse

from reports import services
from reports.models import ReportEvent
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def corrected_report():
    """Submitted with 10 in every count, returned, corrected to 25, approved."""
    report = factories.draft_report()
    author = report.created_by
    services.report_update(
        actor=author,
        report_id=report.pk,
        content=services.ReportContent(
            title="Bản đầu tiên", figures=factories.figures_with_total(report, 10)
        ),
        submit=True,
    )
    reviewer = factories.reviewer(provinces=[report.province])
    services.report_return(reviewer=reviewer, report_id=report.pk, comment="Sai số liệu")
    services.report_update(
        actor=author,
        report_id=report.pk,
        content=services.ReportContent(
            title="Bản đã sửa", figures=factories.figures_with_total(report, 25)
        ),
        submit=True,
    )
    services.report_approve(reviewer=reviewer, report_id=report.pk)
    return report


def version_url(report, kind, which=0):
    events = report.events.filter(kind=kind).order_by("created_at", "pk")
    return f"{reverse('reports:detail', args=[report.pk])}?version={events[which].pk}"


def count_total(response):
    """The first count indicator's total as the page shows it."""
    rows = [row for section in response.context["figure_rows"] for row in section["indicators"]]
    first = next(row for row in rows if not row["indicator"].is_ratio)
    return first["current"]["total"]


def test_an_admin_sees_the_report_as_first_submitted_and_as_approved(client, corrected_report):
    client.force_login(factories.admin_user())

    first = client.get(version_url(corrected_report, ReportEvent.Kind.SUBMITTED, 0))
    approved = client.get(version_url(corrected_report, ReportEvent.Kind.APPROVED))
    current = client.get(reverse("reports:detail", args=[corrected_report.pk]))

    assert first.context["snapshot"].title == "Bản đầu tiên"
    assert count_total(first) == 10
    assert approved.context["snapshot"].title == "Bản đã sửa"
    assert count_total(approved) == 25
    assert "snapshot" not in current.context and count_total(current) == 25


@pytest.mark.parametrize("role", ["reporter", "reviewer"])
def test_only_admins_open_old_versions(client, corrected_report, role):
    user = (
        corrected_report.created_by
        if role == "reporter"
        else factories.reviewer(provinces=[corrected_report.province])
    )
    client.force_login(user)
    response = client.get(version_url(corrected_report, ReportEvent.Kind.SUBMITTED))
    assert response.status_code == 404


def test_an_unknown_version_is_a_404(client, corrected_report):
    client.force_login(factories.admin_user())
    url = reverse("reports:detail", args=[corrected_report.pk])
    assert client.get(url, {"version": "999999"}).status_code == 404
    assert client.get(url, {"version": "abc"}).status_code == 404
