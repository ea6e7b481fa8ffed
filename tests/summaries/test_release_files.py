"""Release files read from the stored cells: the database's COPY, the cursor fallback and the
cube-based writer they replaced give the same bytes; hidden parts show as the mark; hostile names
stay neutralised; XLSX cells are typed."""

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from indicators.models import Indicator
from portal.models import Province
from portal.spreadsheets import csv_stream, neutralise
from summaries import aggregation, files, release_files, releases, services
from summaries.models import ReleaseCell
from summaries.scope import SummaryFilters
from tests import factories
from tests.csv_reading import HOSTILE_TEXTS, formula_cells
from tests.summaries.test_releases import approve

pytestmark = pytest.mark.django_db

CALC = '=cmd|"/c calc"!A1'


@pytest.fixture
def release():
    """A published release of two quarters in two provinces, with hostile names in the catalogue
    and some parts of every kind marked hidden in the stored cells."""
    approve("01", "2026-Q1", {"TA-01": 11, "TA-02": 6})
    approve("01", "2026-Q2", {"TA-01": 9, "TA-02": 7})
    approve("79", "2026-Q2", {"TA-01": 3, "TA-02": 40})
    aggregation.rebuild_all()
    published = factories.publish(2026, 2)
    for number, indicator in enumerate(Indicator.objects.order_by("pk")):
        hostile = HOSTILE_TEXTS[number % len(HOSTILE_TEXTS)]
        indicator.name_vi = indicator.name_en = f"{hostile} {indicator.name_en}"
        indicator.code = f"{HOSTILE_TEXTS[(number + 3) % len(HOSTILE_TEXTS)][:16]}{number}"
        indicator.save()
    Province.objects.filter(code="79").update(name_vi=CALC, name_en=CALC + ";+1;@x")
    cells = list(ReleaseCell.objects.filter(release=published).order_by("pk"))
    for number, cell in enumerate(cells):
        cell.value_hidden = number % 3 == 0
        cell.numerator_hidden = number % 4 == 1
        cell.denominator_hidden = number % 5 == 2
    ReleaseCell.objects.bulk_update(
        cells, ["value_hidden", "numerator_hidden", "denominator_hidden"]
    )
    return published


def cube_file(release, provinces=None) -> bytes:
    """The file as the cube-based writer wrote it before: the reference."""
    version = releases.published_version(release)
    rows = files.cube_rows(
        version.cube,
        version.hidden or set(),
        release.min_cell,
        label=release.label,
        provinces=provinces,
    )
    return "".join(csv_stream(files.header(), rows, preamble=files.release_about(release))).encode()


def stored_file(release, provinces=None, *, fast=True) -> bytes:
    layout = release_files.layout_for(release, provinces)
    head = "".join(csv_stream(files.header(), [], preamble=files.release_about(release))).encode()
    return head + b"".join(release_files.csv_rows(release, layout, fast=fast))


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_file_from_stored_cells_is_byte_for_byte_the_cube_writers(release, language):
    with translation.override(language):
        expected = cube_file(release)

        fast, fallback = stored_file(release), stored_file(release, fast=False)

    assert fast == expected
    assert fallback == expected
    assert expected.count(b"\r\n") > 100


def test_a_reviewers_file_holds_the_nation_and_their_provinces_only(release):
    hanoi = {factories.province("01").pk}

    file = stored_file(release, hanoi)

    assert file == cube_file(release, hanoi)
    assert file != stored_file(release)
    assert b'"79"' not in file


def test_postgres_streams_the_file_with_copy_and_counts_its_rows(release, uses_postgres):
    if not uses_postgres:
        pytest.skip("COPY needs PostgreSQL (DATABASE_URL); the cursor fallback is tested above")
    layout = release_files.layout_for(release, None)
    counter = release_files.Counter()

    with CaptureQueriesContext(connection) as queries:
        body = b"".join(release_files.csv_rows(release, layout, counter))

    assert any(query["sql"].startswith("SET LOCAL work_mem") for query in queries)
    stored = ReleaseCell.objects.filter(release=release).count()
    assert counter.rows == body.count(b"\r\n") == stored


def test_hidden_parts_show_as_the_mark_and_no_cell_reads_as_a_formula(release):
    text = stored_file(release).decode()

    assert '"x"' in text
    assert "'=cmd" in text
    assert formula_cells(text) == []


def test_the_typed_rows_are_the_csv_rows_with_numbers_as_numbers(release):
    layout = release_files.layout_for(release, None)

    rows = list(release_files.typed_rows(release, layout))

    version = releases.published_version(release)
    expected = list(
        files.cube_rows(
            version.cube, version.hidden or set(), release.min_cell, label=release.label
        )
    )
    assert [list(row) for row in rows] == [[neutralise(value) for value in row] for row in expected]
    assert any(isinstance(value, int) for value in rows[0])


def test_the_xlsx_file_types_numbers_and_keeps_hostile_text_as_text(release, admin_user):
    _log, summary_file = services.summary_download(
        actor=admin_user, filters=SummaryFilters(year=2026), file_format="xlsx"
    )

    workbook = openpyxl.load_workbook(files.xlsx_file(summary_file))

    data, *_spending, about = workbook.worksheets
    values = list(data.iter_rows(values_only=True))
    assert values[0] == tuple(files.header())
    assert about["A1"].value == files.release_about(release)[0]
    assert data.freeze_panes == "A2"
    texts = [cell for row in values for cell in row if isinstance(cell, str)]
    assert any(text.startswith("'" + CALC) for text in texts)
    assert not any(text.startswith(("=", "+", "-", "@")) for text in texts)
    reports_column = files.EXPORT_COLUMNS.index("reports") + 1
    assert all(data.cell(row, reports_column).data_type == "n" for row in range(2, 20))
    assert len(values) - 1 == ReleaseCell.objects.filter(release=release).count()
