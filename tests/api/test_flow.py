"""The API end to end: a reporter files and submits, a reviewer returns and approves, all with
personal tokens; another organisation's report answers 404."""

from portal.models import AuditEvent
from reports.models import ActivityReport
from tests import factories
from tests.api.conftest import api_client


def _figures_json(report) -> dict:
    figures = {}
    for indicator_id, data in factories.complete_figures(report).items():
        code = report.programme.indicators.get(pk=indicator_id).code
        cells: dict = {}
        for (dimension, category), value in data.cells.items():
            cells.setdefault(dimension, {})[category] = value
        for (dimension, category), numerator in data.numerators.items():
            cells.setdefault(dimension, {})[category] = {
                "numerator": numerator,
                "denominator": data.denominators[(dimension, category)],
            }
        figures[code] = {
            "total": data.total,
            "numerator": data.numerator,
            "denominator": data.denominator,
            "cells": cells,
        }
    return figures


def test_a_report_is_filed_submitted_returned_and_approved_with_tokens(db):
    reporter = factories.reporter()
    organisation = reporter.membership_list[0].organisation
    reviewer = factories.reviewer(provinces=[organisation.province])
    admin = factories.admin_user()
    as_reporter, as_reviewer, as_admin = (api_client(u) for u in (reporter, reviewer, admin))

    created = as_reporter.post(
        "/api/v1/reports/",
        {
            "organisation": organisation.pk,
            "programme": "trusted-address",
            "period": "2026-Q2",
            "title": "Quarter two",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    report_id = created.json()["id"]
    report = ActivityReport.objects.get(pk=report_id)
    figures = _figures_json(report)

    updated = as_reporter.patch(
        f"/api/v1/reports/{report_id}/", {"figures": figures, "narrative": "Done."}, format="json"
    )
    assert updated.status_code == 200, updated.json()
    assert updated.json()["figures"] == {
        code: {"not_applicable": False, **value} for code, value in figures.items()
    }
    assert as_reporter.post(f"/api/v1/reports/{report_id}/submit/").status_code == 200
    returned = as_reviewer.post(
        f"/api/v1/reports/{report_id}/return/", {"comment": "Check the ages."}, format="json"
    )
    assert returned.json()["status"] == "returned"
    assert as_reporter.post(f"/api/v1/reports/{report_id}/submit/").status_code == 200
    approved = as_admin.post(f"/api/v1/reports/{report_id}/approve/", {}, format="json")

    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    report.refresh_from_db()
    assert report.status == ActivityReport.Status.APPROVED
    assert report.reviewed_by == admin
    writes = AuditEvent.objects.filter(action=AuditEvent.Action.API_WRITE)
    assert writes.count() == 6
    assert set(writes.values_list("user_id", flat=True)) == {reporter.pk, reviewer.pk, admin.pk}


def test_another_organisations_report_answers_404(db):
    report = factories.draft_report()
    stranger = factories.reporter()
    client = api_client(stranger)

    assert client.get(f"/api/v1/reports/{report.pk}/").status_code == 404
    assert (
        client.patch(f"/api/v1/reports/{report.pk}/", {"title": "x"}, format="json").status_code
        == 404
    )
    assert client.post(f"/api/v1/reports/{report.pk}/submit/").status_code == 404
    assert client.get("/api/v1/reports/").json()["count"] == 0
    report.refresh_from_db()
    assert report.title != "x"


def test_figure_errors_come_back_with_field_paths_in_the_clients_language(db):
    report = factories.draft_report()
    code = report.programme.indicators.order_by("code").first().code

    english = api_client(report.created_by, language="en").patch(
        f"/api/v1/reports/{report.pk}/", {"figures": {code: {"total": -3}}}, format="json"
    )
    vietnamese = api_client(report.created_by, language="vi").patch(
        f"/api/v1/reports/{report.pk}/", {"figures": {code: {"total": -3}}}, format="json"
    )

    assert english.status_code == 400
    assert english.json() == {"figures": {code: {"total": ["A figure cannot be negative."]}}}
    vi_message = vietnamese.json()["figures"][code]["total"][0]
    assert vi_message != "A figure cannot be negative." and vi_message
    assert not report.figures.exists()


def test_submitting_incomplete_figures_lists_every_missing_cell_and_changes_nothing(db):
    report = factories.draft_report()
    client = api_client(report.created_by)

    response = client.post(f"/api/v1/reports/{report.pk}/submit/")

    assert response.status_code == 400
    codes = set(report.programme.indicators.values_list("code", flat=True))
    assert set(response.json()["figures"]) == codes
    report.refresh_from_db()
    assert report.status == ActivityReport.Status.DRAFT


def test_a_failing_create_with_bad_figures_leaves_no_draft(db):
    reporter = factories.reporter()
    organisation = reporter.membership_list[0].organisation

    response = api_client(reporter).post(
        "/api/v1/reports/",
        {
            "organisation": organisation.pk,
            "programme": "trusted-address",
            "period": "2026-Q2",
            "figures": {"NOPE": {"total": 1}},
        },
        format="json",
    )

    assert response.status_code == 400
    assert "NOPE" in response.json()["figures"]
    assert not ActivityReport.objects.exists()


def test_a_ratio_cell_error_comes_back_under_its_cell(db):
    report = factories.draft_report(programme_code="peace-house")
    ratio = next(
        (i for i in report.programme.indicators.all() if i.is_ratio and i.disaggregations), None
    )
    if ratio is None:
        import pytest

        pytest.skip("no disaggregated ratio in this programme's catalogue")
    dimension = ratio.disaggregations[0]
    category = ratio.categories_of(dimension)[0][0]

    response = api_client(report.created_by).patch(
        f"/api/v1/reports/{report.pk}/",
        {
            "figures": {
                ratio.code: {
                    "numerator": 1,
                    "denominator": 2,
                    "cells": {dimension: {category: {"numerator": 5, "denominator": 2}}},
                }
            }
        },
        format="json",
    )

    assert response.status_code == 400
    cell_errors = response.json()["figures"][ratio.code]["cells"][dimension][category]
    assert "numerator" in cell_errors


def test_spending_lines_are_shown(db):
    from reports.models import Spending

    report = factories.draft_report()
    Spending.objects.create(report=report, amount=1_500_000, source="vwu_own", pillar="prevention")

    body = api_client(report.created_by).get(f"/api/v1/reports/{report.pk}/").json()

    assert body["spending"] == [
        {
            "amount": 1_500_000,
            "source": "vwu_own",
            "donor": None,
            "donor_code": None,
            "pillar": "prevention",
        }
    ]
