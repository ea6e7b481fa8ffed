"""No number in a URL, a form value or a data attribute is written the localized way: "2.537" in
"?version=2.537" or "?page=1.000" is a 404 (Vietnamese groups thousands with a dot)."""

import re

import pytest
from django.apps import apps
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import AutoField
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from reports import services
from reports.models import ActivityReport, ReportEvent, ReportingPeriod
from tests import factories

ATTRIBUTE = re.compile(r'\s(?:href|src|action|value|data-[\w-]+)="([^"]*)"')
GROUPED = re.compile(r"\d[.,\u00a0\u202f ]\d{3}(?!\d)")


def grouped_numbers_in_attributes(page: str) -> list[str]:
    return [value for value in ATTRIBUTE.findall(page) if GROUPED.search(value)]


def _ids_start_above(start: int) -> None:
    """Every table's next id is above `start`, as in a portal that has been used for a while."""
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            if not isinstance(model._meta.pk, AutoField) or model._meta.pk.column != "id":
                continue
            table = model._meta.db_table
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)", [table, start]
                )
            else:
                cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
                cursor.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, start]
                )


@pytest.mark.django_db(transaction=False)
def test_pages_with_ids_above_1000_put_no_grouped_number_in_links_values_or_data(client):
    _ids_start_above(2536)
    admin = factories.admin_user()
    report = factories.submitted_report()
    ActivityReport.objects.filter(pk=report.pk).update(version=1234)
    event = report.events.filter(kind=ReportEvent.Kind.SUBMITTED).get()
    assert event.pk > 1000 and report.pk > 1000
    client.force_login(admin)
    client.cookies["portal_language"] = "vi"
    period = ReportingPeriod.objects.by_code("2026-Q2")

    pages = {
        "detail": report.get_absolute_url(),
        "version": f"{report.get_absolute_url()}?version={event.pk}",
        "list": reverse("reports:list"),
        "queue": reverse("reports:queue"),
        "periods": reverse("reports:periods"),
        "audit": reverse("audit_log"),
        "completeness": f"{reverse('summaries:completeness')}?period={period.pk}",
        "summaries": reverse("summaries:index"),
        "releases": reverse("summaries:releases"),
        "runs": reverse("summaries:runs"),
    }
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert grouped_numbers_in_attributes(response.content.decode()) == [], name

    edit = factories.draft_report(author=report.created_by, period_code="2026-Q1")
    services.report_update(
        actor=report.created_by,
        report_id=edit.pk,
        content=services.ReportContent(
            title=edit.title, figures=factories.figures_with_total(edit, 12345)
        ),
    )
    ActivityReport.objects.filter(pk=edit.pk).update(version=2345)
    client.force_login(report.created_by)
    page = client.get(reverse("reports:edit", args=[edit.pk])).content.decode()
    assert 'value="12345"' in page
    assert grouped_numbers_in_attributes(page) == []


@pytest.mark.parametrize("language", ["vi", "en"])
def test_pagination_links_past_page_999_are_plain_numbers(language):
    page = Paginator(range(100_000), 50).page(1500)

    with translation.override(language):
        html = render_to_string(
            "includes/pagination.html", {"page_obj": page, "query_string": "status=approved"}
        )

    assert "page=1499" in html and "page=1501" in html
    assert grouped_numbers_in_attributes(html) == []
