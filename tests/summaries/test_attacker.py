"""An attacker over HTTP: everything a reviewer can download and a reporter can read, solved as
a linear programme, recovers no hidden cell.

The attacker knows the file's structure (cells add up to their total, provinces to the nation,
quarters to the year for flows, the last quarter for stocks) and nothing of the portal's code.
"""

import csv
import io
import itertools
import random
from collections import defaultdict

import numpy as np
import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from scipy.optimize import linprog

from indicators.models import Indicator
from reports import services as report_services
from reports.disaggregation import TOTAL, category_label
from summaries import aggregation
from summaries.models import Release
from tests import factories

pytestmark = pytest.mark.django_db

PROVINCES = ["01", "31", "79", "48", "15"]


def approve_random(rng: random.Random, province_code: str, period_code: str):
    """A trusted-address report with small, uneven counts spread over the breakdown."""
    organisation = factories.OrganisationFactory(province=factories.province(province_code))
    report = factories.draft_report(organisation=organisation, period_code=period_code)
    figures = factories.figures_with_total(report, 1, ratio=(3, 4))
    for indicator in report.programme.indicators.filter(aggregation="count"):
        total = rng.randint(0, 14)
        figure = figures[indicator.pk]
        figure.total = total
        for dimension in indicator.disaggregations:
            cells = [key for key in figure.cells if key[0] == dimension]
            split = [0] * len(cells)
            for _ in range(total):
                split[rng.randrange(len(cells))] += 1
            for key, value in zip(cells, split, strict=True):
                figure.cells[key] = value
    report_services.report_update(
        actor=report.created_by,
        report_id=report.pk,
        content=report_services.ReportContent(title="t", figures=figures),
        submit=True,
    )
    report_services.report_approve(
        reviewer=factories.reviewer(provinces=[report.province]), report_id=report.pk
    )


def download(client, release: Release) -> list[dict]:
    response = client.get(
        reverse("summaries:download_csv"), {"release": release.pk, "view": "published"}
    )
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    lines = [line for line in csv.reader(io.StringIO(text)) if not line[0].startswith("# ")]
    header, rows = lines[0], lines[1:]
    return [dict(zip(header, row, strict=True)) for row in rows]


def solve(rows: list[dict], rules: dict[str, str]):
    """For each hidden cell, its interval under what the file says."""
    with translation.override("vi"):
        value_column = gettext("Value")
        total_label = category_label(TOTAL, "")
    columns = list(rows[0])
    code, place, period, dimension, category = (columns[i] for i in (1, 4, 6, 7, 8))
    cells = {}
    for row in rows:
        if row[value_column] == "":
            continue  # ratio rows carry numerator and denominator instead
        key = (row[code], row[place], row[period], row[dimension], row[category])
        cells[key] = row[value_column]
    hidden = sorted(key for key, text in cells.items() if text == "x")
    index = {key: i for i, key in enumerate(hidden)}
    equations = []

    def equation(total, members):
        if total in cells and all(m in cells for m in members):
            equations.append({total: 1, **dict.fromkeys(members, -1)})

    groups = defaultdict(list)
    for key in cells:
        groups[key[:3]].append(key)
    for keys in groups.values():
        total = next((k for k in keys if k[4] == total_label), None)
        by_dimension = defaultdict(list)
        for key in keys:
            if key[4] != total_label:
                by_dimension[key[3]].append(key)
        for members in by_dimension.values():
            if total is not None:
                equation(total, members)
    places = {key[1] for key in cells} - {"VN"}
    periods = {key[2] for key in cells}
    for key in cells:
        indicator, where, when, dim, cat = key
        if where == "VN" and (rules[indicator] == "sum" or "-" in when):
            equation(
                key,
                [
                    (indicator, p, when, dim, cat)
                    for p in places
                    if (indicator, p, when, dim, cat) in cells
                ],
            )
        if "-" not in when:
            quarters = sorted(
                p
                for p in periods
                if p.startswith(when + "-") and (indicator, where, p, dim, cat) in cells
            )
            if rules[indicator] == "sum":
                equation(key, [(indicator, where, q, dim, cat) for q in quarters])
            elif quarters:
                equation(key, [(indicator, where, quarters[-1], dim, cat)])
    a_eq, b_eq = [], []
    for eq in equations:
        row = np.zeros(len(hidden))
        constant = 0.0
        for key, coefficient in eq.items():
            if key in index:
                row[index[key]] += coefficient
            else:
                constant -= coefficient * int(cells[key].replace(".", ""))
        if row.any():
            a_eq.append(row)
            b_eq.append(constant)
    intervals = {}
    for key, i in index.items():
        objective = np.zeros(len(hidden))
        objective[i] = 1
        low = linprog(
            objective, A_eq=a_eq or None, b_eq=b_eq or None, bounds=(0, None), method="highs"
        )
        high = linprog(
            -objective, A_eq=a_eq or None, b_eq=b_eq or None, bounds=(0, None), method="highs"
        )
        assert low.status == 0
        intervals[key] = (low.fun, -high.fun if high.status == 0 else np.inf)
    return intervals


def test_a_reviewer_recovers_no_hidden_cell_from_the_files_and_a_reporter_sees_no_other_number(
    client,
):
    rng = random.Random(2026)
    for province_code, quarter in itertools.product(PROVINCES, ("2026-Q1", "2026-Q2")):
        approve_random(rng, province_code, quarter)
    aggregation.rebuild_all()
    admin = factories.admin_user()
    first = factories.publish(2026, 1, admin=admin)
    second = factories.publish(2026, 2, admin=admin)
    rules = dict(Indicator.objects.values_list("code", "time_rule"))
    reviewer = factories.reviewer(provinces=[factories.province(code) for code in PROVINCES])
    client.force_login(reviewer)

    truth = {}
    for release in (first, second):
        rows = download(client, release)
        intervals = solve(rows, rules)
        assert intervals, "the data has small counts: something must be hidden"
        for key, (low, high) in intervals.items():
            assert high - low >= 1 - 1e-6, (release.label, key, low, high)
        truth[release.pk] = rows

    # Every number a reporter reads on the pages is the latest release's number for that cell.
    with translation.override("vi"):
        value_column = gettext("Value")
        total_label = category_label(TOTAL, "")
    latest = {
        (row[list(row)[1]], row[list(row)[4]], row[list(row)[6]]): row[value_column]
        for row in truth[second.pk]
        if row[list(row)[8]] == total_label
    }
    reporter = factories.reporter(
        organisation=factories.OrganisationFactory(province=factories.province("01"))
    )
    client.force_login(reporter)
    compared = 0
    for quarter in ("", "1", "2"):
        period = f"2026-Q{quarter}" if quarter else "2026"
        page = client.get(
            reverse("summaries:index"), {"view": "published", "year": 2026, "quarter": quarter}
        )
        for table in page.context["page_obj"].object_list:
            if table.indicator.is_ratio:
                continue
            for row in [*table.rows, table.national]:
                key = (table.indicator.code, row.code or "VN", period)
                assert row.total.replace(".", "") == latest[key], key
                compared += 1
    assert compared > 10
