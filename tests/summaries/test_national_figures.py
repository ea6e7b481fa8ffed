"""National-only indicators in the working figures, the cube, releases (suppressed and audited),
targets progress, files, completeness and the pages."""

import pytest
from django.urls import reverse

from indicators.models import Indicator
from reports.disaggregation import TOTAL
from reports.models import ReportingPeriod
from summaries import aggregation, files, releases
from summaries.completeness import completeness_for
from summaries.cube import NATIONAL, cube_from_summaries, relations
from summaries.models import ProvincialSummary, ReleaseCell
from summaries.tables import Figures, target_progress
from tests import factories
from tests.national import ministry, national_report

pytestmark = pytest.mark.django_db


def indicator(code: str) -> Indicator:
    return Indicator.objects.get(code=code)


def test_recomputing_national_reports_is_idempotent_and_matches_a_full_rebuild():
    report = national_report(ministry("nap-national", "international-cooperation"))
    national_report(
        ministry("international-cooperation"),
        programme_code="international-cooperation",
        values={"IC-01": 4},
    )
    factories.approved_report()  # a provincial report beside them

    def rows():
        return sorted(
            ProvincialSummary.objects.filter(province=None).values_list(
                "province_id", "indicator__code", "dimension", "value", "numerator", "report_count"
            ),
            key=repr,
        )

    aggregation.recompute(province_id=None, period_id=report.period_id)
    first = rows()
    aggregation.recompute(province_id=None, period_id=report.period_id)
    assert rows() == first
    assert not ProvincialSummary.objects.exclude(province=None).exists()
    aggregation.rebuild_all()
    assert rows() == first
    assert ProvincialSummary.objects.exclude(province=None).exists()
    ic01 = ProvincialSummary.objects.get(indicator__code="IC-01", dimension=TOTAL)
    assert (ic01.province_id, ic01.value, ic01.organisation_count) == (None, 4, 1)


def test_a_national_indicator_is_a_national_row_only_covering_its_reporting_bodies():
    national_report(ministry(), values={"PAR-05": (12, 60)})
    national_report(ministry(), values={"PAR-05": (8, 40)})
    ministry()  # expected, has not reported
    factories.approved_report()
    aggregation.rebuild_all()

    cube = cube_from_summaries(2026, 4)

    par05 = indicator("PAR-05").pk
    places = {key[1] for key in cube.cells if key[0] == par05}
    assert places == {NATIONAL}
    cell = cube.cells[(par05, NATIONAL, "2026", TOTAL, "")]
    assert (cell.numerator, cell.denominator) == (20, 100)
    assert (cell.bodies_reporting, cell.provinces_reporting) == (2, 0)
    assert (cell.organisation_count, cell.organisations_expected) == (2, 3)
    assert (cell.periods_in, cell.periods_expected) == (1, 1)
    # No relation pretends the nation is the sum of provinces that never report it.
    found = relations(cube)
    assert not any(
        key[0][0] == par05 for relation in found.equalities for key in relation if key != "constant"
    )


def test_a_small_national_count_is_hidden_in_the_release_and_the_audit_passes():
    national_report(
        ministry("international-cooperation"),
        programme_code="international-cooperation",
        values={"IC-01": 3, "IC-02": 12, "IC-05": (2, 30)},
    )
    factories.approved_report(period_code="2026-Q2")
    aggregation.rebuild_all()

    release = factories.publish(2026, 4)

    cells = ReleaseCell.objects.filter(release=release)
    ic01 = cells.get(indicator__code="IC-01", dimension=TOTAL)
    assert ic01.province_id is None and ic01.period_code == "2026"
    assert ic01.value_hidden and ic01.bodies_reporting == 1
    assert not cells.filter(indicator__code__startswith="IC-", province__isnull=False).exists()
    assert not cells.get(indicator__code="IC-02", dimension=TOTAL).value_hidden
    ic05 = cells.get(indicator__code="IC-05", dimension=TOTAL)
    assert ic05.numerator_hidden and not ic05.denominator_hidden
    version = releases.published_version(release)
    assert releases.audit_versions([version], k=release.min_cell) == []


def test_a_release_through_the_fourth_quarter_waits_for_the_year_to_be_locked():
    national_report(ministry())
    admin = factories.admin_user()
    ReportingPeriod.objects.filter(year=2026).exclude(kind="year").update(is_locked=True)

    from summaries import services

    with pytest.raises(services.ReleaseError, match="2026"):
        services.release_publish(actor=admin, year=2026, quarter=4)


def test_targets_progress_reads_a_national_indicator_from_its_national_cell():
    national_report(ministry(), values={"PAR-05": (12, 60)})
    aggregation.rebuild_all()
    cube = cube_from_summaries(2026, 4)
    figures = Figures(cube.cells, set(), 5, "2026", 2026, cube.indicators)

    progress = {p.indicator.code: p for p in target_progress(figures)}

    assert progress["PAR-05"].value == 20
    assert progress["PAR-05"].percent_of_2030 == 100  # the 2025 pledge of 20% is its last target
    assert "1" in progress["PAR-05"].coverage
    assert progress["PAR-01"].value == 75  # every ratio is 30/40 unless said otherwise


def test_the_summaries_file_has_only_whole_country_rows_for_a_national_indicator():
    national_report(ministry())
    aggregation.rebuild_all()

    rows = list(files.cube_rows(cube_from_summaries(2026, 4), set(), 5, label="w"))

    par05 = [row for row in rows if row[1] == "PAR-05"]
    assert par05 and {row[4] for row in par05} == {files.NATIONAL_CODE}
    bodies = files.EXPORT_COLUMNS.index("bodies")
    assert {row[bodies] for row in par05} == {1}


def test_completeness_of_a_year_expects_the_national_bodies_that_run_annual_programmes():
    reported = ministry()
    national_report(reported, approve=False)
    ministry()
    admin = factories.admin_user()

    rows = completeness_for(user=admin, period=ReportingPeriod.objects.by_code("2026"))

    assert [(r.province_code, r.expected, r.reported) for r in rows] == [("", 2, 1)]


@pytest.mark.parametrize(
    ("who", "sees_national_row"),
    [("admin", True), ("provincial_reviewer", False)],
)
def test_working_figures_page_shows_the_national_indicator_to_admins_only(
    client, who, sees_national_row
):
    national_report(ministry(), values={"PAR-05": (12, 60)})
    factories.approved_report()
    aggregation.rebuild_all()
    user = (
        factories.admin_user()
        if who == "admin"
        else factories.reviewer(provinces=[factories.province("01")])
    )
    client.force_login(user)

    page = client.get(reverse("summaries:index"), {"view": "working", "year": 2026})

    assert page.status_code == 200
    codes = {table.indicator.code for table in page.context["tables"]}
    progress = {p.indicator.code: p.value for p in page.context["progress"]}
    assert ("PAR-05" in codes) is sees_national_row
    assert (progress.get("PAR-05") == 20) is sees_national_row


def test_a_reporter_reads_the_national_indicator_in_the_release(client):
    national_report(ministry(), values={"PAR-05": (12, 60)})
    factories.approved_report(period_code="2026-Q2")
    aggregation.rebuild_all()
    factories.publish(2026, 4)
    client.force_login(factories.reporter())

    page = client.get(reverse("summaries:index"), {"year": 2026})

    table = next(t for t in page.context["tables"] if t.indicator.code == "PAR-05")
    assert table.rows == [] and table.national is not None
    assert table.national.percent == 20
