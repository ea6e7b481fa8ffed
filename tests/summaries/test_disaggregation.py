"""A disaggregated ratio through aggregation, a release, the disclosure audit and the files; and
files that show only the cells an indicator declares."""

import csv
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from indicators.models import Indicator
from reports import services as report_services
from reports.disaggregation import category_label
from reports.figures import FigureInput
from summaries import aggregation
from summaries.cube import NATIONAL, cube_from_summaries
from summaries.models import ProvincialSummary, ReleaseCell
from tests import factories

pytestmark = pytest.mark.django_db

PROVINCES = ["01", "79", "31"]


def approve_pro01(province_code: str, female: tuple[int, int], male: tuple[int, int]):
    """An approved Peace House report whose PRO-01 splits by sex as given (age and disability
    all "not recorded")."""
    organisation = factories.OrganisationFactory(province=factories.province(province_code))
    report = factories.draft_report(
        organisation=organisation, programme_code="peace-house", period_code="2026-Q1"
    )
    figures = factories.complete_figures(report)
    pro01 = Indicator.objects.get(code="PRO-01")
    numerator, denominator = female[0] + male[0], female[1] + male[1]
    numerators = dict.fromkeys(figures[pro01.pk].numerators, 0)
    denominators = dict(numerators)
    numerators[("sex", "female")], denominators[("sex", "female")] = female
    numerators[("sex", "male")], denominators[("sex", "male")] = male
    for dimension in ("age", "disability"):
        numerators[(dimension, "unknown")] = numerator
        denominators[(dimension, "unknown")] = denominator
    figures[pro01.pk] = FigureInput(
        numerator=numerator,
        denominator=denominator,
        numerators=numerators,
        denominators=denominators,
    )
    report_services.report_update(
        actor=report.created_by,
        report_id=report.pk,
        content=report_services.ReportContent(title="t", figures=figures),
        submit=True,
    )
    report_services.report_approve(
        reviewer=factories.reviewer(provinces=[report.province]), report_id=report.pk
    )
    return report


def test_a_disaggregated_ratio_aggregates_cell_by_cell_and_is_published(client):
    approve_pro01("01", female=(12, 20), male=(3, 10))
    approve_pro01("79", female=(30, 40), male=(6, 9))
    approve_pro01("31", female=(2, 2), male=(0, 7))
    aggregation.rebuild_all()
    pro01 = Indicator.objects.get(code="PRO-01")

    female = ProvincialSummary.objects.filter(indicator=pro01, dimension="sex", category="female")
    cube = cube_from_summaries(2026, 1)
    national = cube.cells[(pro01.pk, NATIONAL, "2026-Q1", "sex", "female")]
    release = factories.publish(2026, 1)
    output = io.StringIO()
    call_command("audit_disclosure", "--year", "2026", stdout=output)

    assert sorted(female.values_list("numerator", "denominator")) == [(2, 2), (12, 20), (30, 40)]
    assert (national.numerator, national.denominator) == (44, 62)
    total = cube.cells[(pro01.pk, NATIONAL, "2026-Q1", "total", "")]
    male = cube.cells[(pro01.pk, NATIONAL, "2026-Q1", "sex", "male")]
    assert (total.numerator, total.denominator) == (53, 88) == (44 + male.numerator, 62 + 26)
    cells = ReleaseCell.objects.filter(release=release, indicator=pro01)
    published = {(c.dimension, c.category) for c in cells}
    assert {("sex", "female"), ("sex", "male"), ("age", "unknown")} <= published
    assert all(c.numerator <= c.denominator for c in cells)
    assert "The audit passed" in output.getvalue()

    client.force_login(factories.reviewer(provinces=[factories.province("01")]))
    rows = read_rows(client.get(reverse("summaries:download_csv"), {"view": "published"}))
    with translation.override("vi"):
        expected = {label("total", ""), *(label(d, c) for d, c in published if d != "total")}
    assert {row[CATEGORY] for row in rows if row[CODE] == "PRO-01"} == expected


CODE, CATEGORY = 1, 8  # columns of a summary file: indicator code, category


def label(dimension, category):
    return category_label(dimension, category)


def read_rows(response) -> list[list]:
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    lines = [line for line in csv.reader(io.StringIO(text)) if line and not line[0].startswith("#")]
    return lines[1:]


def test_files_show_only_the_cells_an_indicator_declares(client):
    for code in PROVINCES:
        organisation = factories.OrganisationFactory(province=factories.province(code))
        report = factories.submitted_report(
            organisation=organisation, programme_code="climate-resilience", period_code="2026-Q1"
        )
        report_services.report_approve(
            reviewer=factories.reviewer(provinces=[report.province]), report_id=report.pk
        )
    aggregation.rebuild_all()
    factories.publish(2026, 1)
    client.force_login(factories.reviewer(provinces=[factories.province("01")]))

    csv_rows = read_rows(client.get(reverse("summaries:download_csv"), {"view": "published"}))
    response = client.get(reverse("summaries:download_xlsx"), {"view": "published"})
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    xlsx_rows = list(workbook.worksheets[0].iter_rows(values_only=True))[1:]

    with translation.override("vi"):
        declared = {label("total", "")} | {
            label(d, c)
            for d in ("age", "disability")
            for c in Indicator.objects.get(code="CR-01").disaggregation[d]
        }
        refused = {label("age", band) for band in ("0-5", "6-11", "12-15", "16-17")} | {
            label("sex", c) for c in ("female", "male", "other")
        }
    for rows in (csv_rows, xlsx_rows):
        shown = {row[CATEGORY] for row in rows if row[CODE] == "CR-01"}
        assert shown == declared
        assert not shown & refused
