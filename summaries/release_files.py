"""Release files read straight from the stored cells, at the speed of the database.

A release stores every cell with its hidden flags, so a file needs no suppression of its own: it
shows what is stored, a hidden part as its mark. Everything in a file that is text (the release's
label, each indicator's code, name and pillar, each place, period and disaggregation cell, in the
reader's language) comes from a small set known before the first row; it is formatted once here,
by the same CSV writer and neutralisation as every other file (`portal.spreadsheets`), and handed
to the database as small lookup tables. The database then joins, orders and concatenates:

- CSV: each row is built in SQL from those pre-formatted pieces and the stored numbers. On
  PostgreSQL the rows stream out of `COPY (SELECT ...) TO STDOUT`; elsewhere (the embedded SQLite
  default) the same SELECT is read through a cursor. Both give the same bytes as the cube-based
  writer (`files.cube_rows` + `csv_stream`) they replace.
- XLSX: the same join yields typed rows (numbers as numbers, text neutralised) for the writer.

Row order is the one of every summary file: indicators by pillar and code; the nation, then
provinces by code; periods by date, the year last; cells in the order of the breakdown.
"""

import datetime
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.utils.translation import gettext as _

from indicators.models import Indicator
from portal.models import Province
from portal.spreadsheets import csv_fragment, neutralise
from reports.disaggregation import DIMENSIONS, category_label
from summaries.cube import NATIONAL, breakdown, window
from summaries.disclosure import SECONDARY
from summaries.models import Release, ReleaseCell

NATIONAL_CODE = "VN"
# Rows gathered into one chunk of a streamed response: big enough that the per-chunk costs
# (a join, a write to the socket) vanish, small enough to keep memory flat (about 64 KB).
CHUNK_ROWS = 400
# Sorting a whole release in the database's memory rather than on its disk; local to the file's
# transaction.
SORT_MEMORY = "64MB"


@dataclass
class Layout:
    """The text of a release file beside its numbers, in the current language, and the position
    of every indicator, place, period and cell in the file. Built once per file."""

    label: str
    # (indicator id, dimension, category) -> order of the indicator, order of the cell, ratio?,
    # the indicator's four leading fields and the cell's two labels.
    cells: list[tuple[int, str, str, int, int, int, tuple[str, ...], tuple[str, str]]]
    # place id (0 for the nation) -> order, national?, (code, name)
    places: list[tuple[int, int, int, tuple[str, str]]]
    # period code -> order, year?
    periods: list[tuple[str, int, int]]
    mark: str = SECONDARY
    yes: str = field(default_factory=lambda: _("yes"))


def layout_for(release: Release, provinces: set[int] | None) -> Layout:
    """What a release file of these provinces (None: all) needs besides the stored cells."""
    indicators = sorted(Indicator.objects.all(), key=lambda i: (i.pillar, i.code))
    cells = []
    for order, indicator in enumerate(indicators):
        head = (release.label, indicator.code, indicator.name, indicator.get_pillar_display())
        for cell_order, (dimension, category) in enumerate(breakdown(indicator)):
            dimension_label = (
                str(DIMENSIONS[dimension][0]) if dimension in DIMENSIONS else _("Total")
            )
            cells.append(
                (
                    indicator.pk,
                    dimension,
                    category,
                    order,
                    cell_order,
                    int(indicator.is_ratio),
                    head,
                    (dimension_label, category_label(dimension, category)),
                )
            )
    places: list[tuple[int, int, int, tuple[str, str]]] = [
        (NATIONAL, 0, 1, (NATIONAL_CODE, str(_("Whole country"))))
    ]
    in_scope = Province.objects.order_by("code")
    if provinces is not None:
        in_scope = in_scope.filter(pk__in=provinces)
    places += [
        (province.pk, order, 0, (province.code, province.name))
        for order, province in enumerate(in_scope, start=1)
    ]
    return Layout(
        label=release.label, cells=cells, places=places, periods=_periods(release)
    )


def _periods(release: Release) -> list[tuple[str, int, int]]:
    """Every period code the release's cells use, in date order, the year last (codes outside
    the release's window, which a cube never holds, after the rest)."""
    codes = set(
        ReleaseCell.objects.filter(release=release)
        .order_by()
        .values_list("period_code", flat=True)
        .distinct()
    )
    starts = {period.code: period.start_date for period in window(release.year, release.quarter)}
    year = str(release.year)

    def key(code: str) -> tuple[bool, datetime.date, str]:
        return (code == year, starts.get(code, datetime.date.max), code)

    return [(code, order, int(code == year)) for order, code in enumerate(sorted(codes, key=key))]


def _values(rows: Sequence[Sequence], names: Sequence[str]) -> tuple[str, list]:
    """A VALUES list of rows as SQL with placeholders, and its parameters."""
    row = "(" + ", ".join(["%s"] * len(names)) + ")"
    return ", ".join([row] * len(rows)), [value for values in rows for value in values]


def _query(
    release: Release, layout: Layout, select: str, select_params: Sequence = (), *, csv: bool
) -> tuple[str, list]:
    """The join of the release's stored cells with the file's lookup tables, in file order.

    For CSV the lookups carry pre-formatted CSV pieces; for XLSX, indexes into the layout."""
    if csv:
        cells = [
            (i, d, c, io, co, r, csv_fragment(head), csv_fragment(labels))
            for i, d, c, io, co, r, head, labels in layout.cells
        ]
        places = [(p, o, n, csv_fragment(text)) for p, o, n, text in layout.places]
        periods = [(code, o, y, csv_fragment([code])) for code, o, y in layout.periods]
    else:
        cells = [(*cell[:6], index, 0) for index, cell in enumerate(layout.cells)]
        places = [(p, o, n, index) for index, (p, o, n, _t) in enumerate(layout.places)]
        periods = [(code, o, y, index) for index, (code, o, y) in enumerate(layout.periods)]
    cell_sql, cell_params = _values(cells, range(8))
    place_sql, place_params = _values(places, range(4))
    period_sql, period_params = _values(periods, range(4))
    sql = f"""
        WITH ic (indicator_id, dimension, category, i_ord, c_ord, ratio, head, cell)
                AS (VALUES {cell_sql}),
            pl (place_id, p_ord, national, place) AS (VALUES {place_sql}),
            pe (period_code, t_ord, is_year, period) AS (VALUES {period_sql})
        SELECT {select}
        FROM summaries_releasecell c
        JOIN ic ON ic.indicator_id = c.indicator_id AND ic.dimension = c.dimension
            AND ic.category = c.category
        JOIN pl ON pl.place_id = COALESCE(c.province_id, 0)
        JOIN pe ON pe.period_code = c.period_code
        WHERE c.release_id = %s
        ORDER BY ic.i_ord, pl.p_ord, pe.t_ord, ic.c_ord
    """  # noqa: S608 - only placeholders and fixed column lists are formatted in
    return sql, [*cell_params, *place_params, *period_params, *select_params, release.pk]


def _part(name: str) -> str:
    """A value, numerator or denominator as CSV: empty when not of the indicator's kind or not
    reported, the mark when hidden, else the stored number (parameters: empty, mark)."""
    wrong_kind = "ic.ratio = 0" if name != "value" else "ic.ratio = 1"
    return (
        f"CASE WHEN {wrong_kind} OR c.{name} IS NULL THEN %s"
        f" WHEN c.{name}_hidden THEN %s ELSE CAST(c.{name} AS TEXT) END"
    )


def _csv_select(layout: Layout) -> tuple[str, list[str]]:
    """The expression of a CSV row (without its line break), and its parameters."""
    empty = csv_fragment([""])
    mark = csv_fragment([layout.mark])
    parts = [
        ("ic.head", []),
        ("pl.place", []),
        ("pe.period", []),
        ("ic.cell", []),
        (_part("value"), [empty, mark]),
        (_part("numerator"), [empty, mark]),
        (_part("denominator"), [empty, mark]),
        ("CAST(c.report_count AS TEXT)", []),
        ("CAST(c.organisation_count AS TEXT)", []),
        ("CAST(c.organisations_expected AS TEXT)", []),
        ("CASE WHEN pl.national = 1 THEN CAST(c.provinces_reporting AS TEXT) ELSE %s END", [empty]),
        (
            "CASE WHEN pe.is_year = 1 THEN '\"' || CAST(c.periods_in AS TEXT) || '/'"
            " || CAST(c.periods_expected AS TEXT) || '\"' ELSE %s END",
            [empty],
        ),
        ("CASE WHEN c.provisional THEN %s ELSE %s END", [csv_fragment([layout.yes]), empty]),
    ]
    return " || ',' || ".join(sql for sql, _p in parts), [p for _s, ps in parts for p in ps]


# COPY's text format escapes these in a value; every real line feed in its output ends a row.
_COPY_ESCAPES = re.compile(rb"\\(.)")
_UNESCAPED = {
    b"\\": b"\\",
    b"n": b"\n",
    b"r": b"\r",
    b"t": b"\t",
    b"b": b"\b",
    b"f": b"\f",
    b"v": b"\v",
}


def _copy_chunk(rows: list) -> bytes:
    data = b"".join(rows).replace(b"\n", b"\r\n")
    if b"\\" in data:
        data = _COPY_ESCAPES.sub(lambda match: _UNESCAPED[match.group(1)], data)
    return data


@dataclass
class Counter:
    rows: int = 0


def csv_rows(
    release: Release, layout: Layout, counter: Counter | None = None, *, fast: bool = True
) -> Iterator[bytes]:
    """The data rows of a release's CSV file as UTF-8 chunks, from the stored cells.

    On PostgreSQL (unless `fast` is off) they stream from `COPY ... TO STDOUT`; otherwise the same
    SELECT is read through a cursor. `counter` counts the rows as they pass."""
    counter = counter or Counter()
    select, select_params = _csv_select(layout)
    sql, params = _query(release, layout, f"{select} AS line", select_params, csv=True)
    if fast and connection.vendor == "postgresql":
        yield from _copied(sql, params, counter)
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(CHUNK_ROWS):
            counter.rows += len(batch)
            yield "".join(line + "\r\n" for (line,) in batch).encode()


def _copied(sql: str, params: list, counter: Counter) -> Iterator[bytes]:
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, for its COPY support
        raw.execute(f"SET LOCAL work_mem = '{SORT_MEMORY}'")
        with raw.copy(f"COPY ({sql}) TO STDOUT", params) as copy:
            rows: list = []
            for row in copy:
                rows.append(row)
                if len(rows) == CHUNK_ROWS:
                    counter.rows += CHUNK_ROWS
                    yield _copy_chunk(rows)
                    rows = []
            if rows:
                counter.rows += len(rows)
                yield _copy_chunk(rows)


def typed_rows(release: Release, layout: Layout) -> Iterator[tuple]:
    """The data rows of a release's XLSX file: numbers as numbers, text neutralised, a hidden
    part as its mark; read in file order through a server-side cursor where there is one."""
    select = (
        "ic.head, pl.place, pe.period, ic.ratio, pl.national, pe.is_year, "
        "c.value, c.numerator, c.denominator, c.value_hidden, c.numerator_hidden, "
        "c.denominator_hidden, c.report_count, c.organisation_count, c.organisations_expected, "
        "c.provinces_reporting, c.periods_in, c.periods_expected, c.provisional"
    )
    sql, params = _query(release, layout, select, csv=False)
    heads = [tuple(neutralise(str(text)) for text in (*cell[6], *cell[7])) for cell in layout.cells]
    places = [tuple(neutralise(str(text)) for text in place[3]) for place in layout.places]
    periods = [neutralise(code) for code, _o, _y in layout.periods]
    mark, yes = neutralise(layout.mark), neutralise(layout.yes)
    for (
        head,
        place,
        period,
        ratio,
        national,
        is_year,
        value,
        numerator,
        denominator,
        value_hidden,
        numerator_hidden,
        denominator_hidden,
        reports,
        organisations,
        expected,
        provinces,
        periods_in,
        periods_expected,
        provisional,
    ) in _server_side(sql, params):
        text = heads[head]
        if ratio:
            value = ""
            numerator = "" if numerator is None else (mark if numerator_hidden else numerator)
            denominator = (
                "" if denominator is None else (mark if denominator_hidden else denominator)
            )
        else:
            value = "" if value is None else (mark if value_hidden else value)
            numerator = denominator = ""
        yield (
            text[0],
            text[1],
            text[2],
            text[3],
            *places[place],
            periods[period],
            text[4],
            text[5],
            value,
            numerator,
            denominator,
            reports,
            organisations,
            expected,
            provinces if national else "",
            f"{periods_in}/{periods_expected}" if is_year else "",
            yes if provisional else "",
        )


# Rows fetched per round trip by the XLSX reader's server-side cursor.
FETCH_ROWS = 2000


def _server_side(sql: str, params: list) -> Iterator[tuple]:
    from django.db import transaction

    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            while batch := cursor.fetchmany(FETCH_ROWS):
                yield from batch
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{SORT_MEMORY}'")
        # A named (server-side) cursor: rows arrive in batches, never all at once.
        named = cursor.connection.cursor(name="release_file")
        try:
            named.itersize = FETCH_ROWS
            named.execute(sql, params)
            yield from named
        finally:
            named.close()
