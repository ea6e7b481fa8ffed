"""Summaries equal a plain Python sum over approved figures, however reports move."""

from collections import defaultdict

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports import services as report_services
from reports.figures import FigureInput
from reports.models import ActivityReport, Figure, StaleSummary
from summaries import aggregation, services
from summaries.models import AggregationRun, ProvincialSummary
from tests import factories

pytestmark = pytest.mark.django_db


def expected_sums() -> dict:
    """The summaries, worked out in Python from approved figures."""
    sums: dict = defaultdict(lambda: [None, None, None, set(), set()])
    approved = Figure.objects.filter(report__status="approved", not_applicable=False)
    for figure in approved.select_related("report"):
        key = (
            figure.report.province_id,
            figure.report.period_id,
            figure.indicator_id,
            figure.dimension,
            figure.category,
        )
        entry = sums[key]
        for index, value in enumerate((figure.value, figure.numerator, figure.denominator)):
            if value is not None:
                entry[index] = (entry[index] or 0) + value
        entry[3].add(figure.report_id)
        entry[4].add(figure.report.organisation_id)
    return {k: (v[0], v[1], v[2], len(v[3]), len(v[4])) for k, v in sums.items()}


def stored_sums() -> dict:
    return {
        (s.province_id, s.period_id, s.indicator_id, s.dimension, s.category): (
            s.value,
            s.numerator,
            s.denominator,
            s.report_count,
            s.organisation_count,
        )
        for s in ProvincialSummary.objects.all()
    }


def make_reports(plan):
    """plan: [(province code, period code, status, total, ratio (num, den))]."""
    organisations = {}
    reviewer = factories.reviewer(provinces=[factories.province(c) for c in ("01", "79")])
    admin = factories.admin_user()
    for index, (province_code, period_code, status, total, (num, den)) in enumerate(plan):
        organisation = organisations.setdefault(
            (province_code, index % 3),
            factories.OrganisationFactory(province=factories.province(province_code)),
        )
        try:
            report = factories.draft_report(organisation=organisation, period_code=period_code)
        except report_services.DuplicateReportError:
            continue
        figures = factories.figures_with_total(report, total, ratio=(num, den))
        author = report.created_by
        submit = status != "draft"
        report_services.report_update(
            actor=author,
            report_id=report.pk,
            content=report_services.ReportContent(title="t", figures=figures),
            submit=submit,
        )
        if status in {"approved", "returned"}:
            report_services.report_approve(reviewer=reviewer, report_id=report.pk)
        if status == "returned":
            report_services.report_reopen(actor=admin, report_id=report.pk, reason="x")
    return organisations


plans = st.lists(
    st.tuples(
        st.sampled_from(["01", "79"]),
        st.sampled_from(["2026-Q1", "2026-Q2"]),
        st.sampled_from(["draft", "submitted", "approved", "returned"]),
        st.integers(min_value=0, max_value=40),
        st.integers(min_value=0, max_value=9).flatmap(
            lambda n: st.tuples(st.just(n), st.integers(min_value=n, max_value=n + 9))
        ),
    ),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plan=plans)
def test_summaries_equal_a_plain_sum_over_approved_figures(plan):
    # Each example runs in its own savepoint so that examples do not see each other's rows.
    from django.db import transaction

    with transaction.atomic():
        make_reports(plan)
        aggregation.rebuild_all()
        first = stored_sums()
        assert first == expected_sums()

        aggregation.rebuild_all()
        for province_id, period_id in aggregation.cells_with_data():
            aggregation.recompute(province_id=province_id, period_id=period_id)

        assert stored_sums() == first
        transaction.set_rollback(True)


def test_an_approval_recomputes_its_province_and_period_after_commit(
    django_capture_on_commit_callbacks,
):
    report = factories.submitted_report()
    reviewer = factories.reviewer(provinces=[report.province])

    with django_capture_on_commit_callbacks(execute=True):
        report_services.report_approve(reviewer=reviewer, report_id=report.pk)

    assert stored_sums() == expected_sums() != {}
    assert not StaleSummary.objects.exists()
    run = AggregationRun.objects.get()
    assert (run.kind, run.status, run.province_id, run.period_id) == (
        "cells",
        "done",
        report.province_id,
        report.period_id,
    )


def test_reopening_takes_the_figures_out_and_approving_again_brings_them_back(
    admin_user, django_capture_on_commit_callbacks
):
    report = factories.submitted_report()
    reviewer = factories.reviewer(provinces=[report.province])
    with django_capture_on_commit_callbacks(execute=True):
        report_services.report_approve(reviewer=reviewer, report_id=report.pk)
    approved = stored_sums()

    with django_capture_on_commit_callbacks(execute=True):
        report_services.report_reopen(actor=admin_user, report_id=report.pk, reason="Sai")
    assert stored_sums() == {}

    report_services.report_submit(actor=report.created_by, report_id=report.pk)
    with django_capture_on_commit_callbacks(execute=True):
        report_services.report_approve(reviewer=reviewer, report_id=report.pk)
    assert stored_sums() == approved


def test_a_lost_recompute_is_caught_up_by_the_reconciler():
    report = factories.submitted_report()
    reviewer = factories.reviewer(provinces=[report.province])
    report_services.report_approve(reviewer=reviewer, report_id=report.pk)  # never committed
    assert StaleSummary.objects.filter(province=report.province, period=report.period).exists()
    assert stored_sums() == {}

    run = services.aggregation_reconcile()

    assert run.cells == 1
    assert stored_sums() == expected_sums() != {}
    assert services.aggregation_reconcile() is None


def test_only_approved_reports_count():
    factories.submitted_report()
    factories.draft_report(period_code="2026-Q1")

    aggregation.rebuild_all()

    assert not ProvincialSummary.objects.exists()


def test_not_applicable_figures_are_left_out():
    report = factories.draft_report()
    figures = factories.complete_figures(report)
    ta01 = report.programme.indicators.get(code="TA-01")
    figures[ta01.pk] = FigureInput(not_applicable=True)
    report_services.report_update(
        actor=report.created_by,
        report_id=report.pk,
        content=report_services.ReportContent(title="t", figures=figures),
        submit=True,
    )
    report_services.report_approve(
        reviewer=factories.reviewer(provinces=[report.province]), report_id=report.pk
    )

    aggregation.rebuild_all()

    assert not ProvincialSummary.objects.filter(indicator=ta01).exists()
    assert ProvincialSummary.objects.filter(indicator__code="TA-02").exists()


def test_ratio_indicators_roll_up_as_sums_of_numerators_and_denominators():
    first = factories.approved_report()
    second = factories.approved_report(
        organisation=factories.OrganisationFactory(province=first.province)
    )
    pro02 = first.programme.indicators.get(code="PRO-02")

    aggregation.rebuild_all()

    row = ProvincialSummary.objects.get(indicator=pro02, dimension="total")
    assert (row.numerator, row.denominator, row.report_count, row.organisation_count) == (
        6,
        8,
        2,
        2,
    )
    assert row.value is None
    assert second.status == "approved"


def test_the_aggregate_command_recomputes_a_period_or_everything(capsys):
    report = factories.approved_report()
    ProvincialSummary.objects.all().delete()

    call_command("aggregate", "--period", report.period.code)
    assert stored_sums() == expected_sums() != {}

    ProvincialSummary.objects.all().delete()
    call_command("aggregate", "--full")
    assert stored_sums() == expected_sums()
    assert "Full rebuild" in capsys.readouterr().out


@pytest.mark.parametrize(
    "arguments",
    [["--period", "2026-Q9"], ["--province", "99"], ["--full", "--period", "2026-Q1"]],
)
def test_the_aggregate_command_refuses_bad_input_clearly(arguments):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("aggregate", *arguments)


def test_a_failed_run_is_recorded_with_its_error(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(aggregation, "rebuild_all", broken)

    with pytest.raises(RuntimeError):
        services.aggregation_full()

    run = AggregationRun.objects.get()
    assert run.status == "failed"
    assert "disk full" in run.error


def test_an_admin_starts_a_rebuild_from_the_page(
    client, admin_user, django_capture_on_commit_callbacks
):
    factories.approved_report()
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/summaries/runs/rebuild/")

    assert response.status_code == 302
    run = AggregationRun.objects.get(kind="full")
    assert run.requested_by == admin_user
    assert run.status == "done"
    assert stored_sums() == expected_sums()
    assert ActivityReport.objects.filter(status="approved").count() == 1


def test_a_run_whose_worker_died_is_marked_failed_by_the_reconciler():
    from datetime import timedelta

    from django.utils import timezone

    lost = AggregationRun.objects.create(
        kind=AggregationRun.Kind.CELLS,
        status=AggregationRun.Status.RUNNING,
        started_at=timezone.now() - timedelta(hours=2),
    )
    busy = AggregationRun.objects.create(
        kind=AggregationRun.Kind.FULL,
        status=AggregationRun.Status.RUNNING,
        started_at=timezone.now() - timedelta(minutes=5),
    )

    services.aggregation_reconcile()

    lost.refresh_from_db()
    busy.refresh_from_db()
    assert lost.status == AggregationRun.Status.FAILED and lost.error
    assert busy.status == AggregationRun.Status.RUNNING
