"""Release files read straight from the stored cells, at the speed of the database.

A release stores every cell with its hidden flags, so a file needs no suppression of its own: it
shows what is stored, a hidden part as its mark. Everything in a file that is text (the release's
label, each indicator's code, name and pillar, each place, period and disaggregation cell, in the
reader's language) comes from a small set known before the first row; it is formatted once here,
by the same CSV writer and neutralisation as every other file (`portal.spreadsheets`), and handed
to the database. The database then finds each cell's place, orders and concatenates:

- CSV: each row is built in SQL from those pre-formatted pieces and the stored numbers. On
  PostgreSQL the rows stream out of `COPY (SELECT ...) TO STDOUT` (`_array_query`: arrays,
  indicator by indicator through the index); elsewhere (the embedded SQLite default) a portable
  query with VALUES lists (`_joined_query`) is read through a cursor. Both give the same bytes as
  the cube-based writer (`files.cube_rows` + `csv_stream`) they replace; the tests compare them.
- XLSX: the same queries yield typed rows (numbers as numbers, text neutralised) for the writer.

Row order is the one of every summary file: indicators by pillar and code; the nation, then
provinces by code; periods by date, the year last; cells in the order of the breakdown.
"""

import datetime
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.utils.translation import gettext as _

from indicators.models import Indicator
from portal.models import Province
from portal.spreadsheets import csv_fragment, neutralise
from reports.disaggregation import DIMENSIONS, TOTAL, categories, category_label
from summaries.cube import NATIONAL, breakdown, window
from summaries.disclosure import SECONDARY
from summaries.models import Release, ReleaseCell

NATIONAL_CODE = "VN"
# Rows gathered into one chunk of a streamed response: big enough that the per-chunk costs
# (a join, a write to the socket) vanish, small enough to keep memory flat (about 64 KB).
CHUNK_ROWS = 400
# Room to sort in memory (one indicator's cells on the fast path, a whole release in the portable
# query on PostgreSQL); local to the file's transaction.
SORT_MEMORY = "64MB"


@dataclass
class Layout:
    """The text of a release file beside its numbers, in the current language, and the order of
    every indicator, place, period and cell in the file. Built once per file."""

    # In file order: (id, ratio?, the cells of its breakdown as bits of `combos`, its four
    # leading fields: release, code, name, pillar).
    indicators: list[tuple[int, int, int, tuple[str, str, str, str]]]
    # Every disaggregation cell in breakdown order (each indicator's breakdown is a subsequence):
    # (dimension, category, (dimension label, category label)).
    combos: list[tuple[str, str, tuple[str, str]]]
    # The nation first, then the provinces in scope by code: (id, 0 for the nation; (code, name)).
    places: list[tuple[int, tuple[str, str]]]
    periods: list[str]  # by date, the year last
    year: str
    mark: str = SECONDARY
    yes: str = field(default_factory=lambda: _("yes"))


def _combos() -> list[tuple[str, str]]:
    return [(TOTAL, "")] + [
        (dimension, category) for dimension in DIMENSIONS for category, _l in categories(dimension)
    ]


def layout_for(release: Release, provinces: set[int] | None) -> Layout:
    """What a release file of these provinces (None: all) needs besides the stored cells."""
    combos = _combos()
    position = {combo: index for index, combo in enumerate(combos)}
    indicators = []
    for indicator in sorted(Indicator.objects.all(), key=lambda i: (i.pillar, i.code)):
        mask = sum(1 << position[combo] for combo in breakdown(indicator))
        head = (release.label, indicator.code, indicator.name, indicator.get_pillar_display())
        indicators.append((indicator.pk, int(indicator.is_ratio), mask, head))
    places: list[tuple[int, tuple[str, str]]] = [(NATIONAL, (NATIONAL_CODE, _("Whole country")))]
    in_scope = Province.objects.order_by("code")
    if provinces is not None:
        in_scope = in_scope.filter(pk__in=provinces)
    places += [(province.pk, (province.code, province.name)) for province in in_scope]
    labels = [
        (str(DIMENSIONS[d][0]) if d in DIMENSIONS else _("Total"), category_label(d, c))
        for d, c in combos
    ]
    return Layout(
        indicators=indicators,
        combos=[(d, c, label) for (d, c), label in zip(combos, labels, strict=True)],
        places=places,
        periods=_periods(release),
        year=str(release.year),
    )


def _periods(release: Release) -> list[str]:
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

    return sorted(codes, key=key)


# How a row's select list names the lookups, in each of the two queries below.
JOINED = {
    "head": "ic.head",
    "cell": "ic.cell",
    "place": "pl.place",
    "period": "pe.period",
    "ratio": "ic.ratio",
    "national": "pl.national",
    "is_year": "pe.is_year",
}
ARRAYS = {
    "head": "i.head",
    "cell": "a.cells[c.k_ix]",
    "place": "a.places[c.p_ix]",
    "period": "a.periods[c.t_ix]",
    "ratio": "i.ratio",
    "national": "CASE WHEN c.p_ix = 1 THEN 1 ELSE 0 END",
    "is_year": "CASE WHEN c.period_code = a.year THEN 1 ELSE 0 END",
}


def _pieces(layout: Layout, csv: bool) -> tuple[list, list, list, list]:
    """The lookups' contents: CSV pieces, or for typed rows, indexes into the layout."""
    if csv:
        return (
            [csv_fragment(head) for *_i, head in layout.indicators],
            [csv_fragment(labels) for *_c, labels in layout.combos],
            [csv_fragment(text) for _p, text in layout.places],
            [csv_fragment([code]) for code in layout.periods],
        )
    return (
        list(range(len(layout.indicators))),
        list(range(len(layout.combos))),
        list(range(len(layout.places))),
        list(range(len(layout.periods))),
    )


# The two queries, filled in with placeholders' lists, fixed column lists and types only (every
# value travels as a parameter).
JOINED_QUERY = """
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
    """

ARRAY_QUERY = """
        WITH a AS MATERIALIZED (
            SELECT %s::bigint[] AS indicator_ids, %s::int[] AS masks, %s::int[] AS ratios,
                %s::text[] AS pairs, %s::int[] AS place_order, %s::text[] AS codes,
                %s::text AS year, %s::{text_type} AS heads, %s::{text_type} AS cells,
                %s::{text_type} AS places, %s::{text_type} AS periods
        )
        SELECT {select}
        FROM a, unnest(a.indicator_ids, a.heads, a.masks, a.ratios) WITH ORDINALITY
            AS i (id, head, mask, ratio, ix)
        CROSS JOIN LATERAL (
            SELECT c.* FROM (
                SELECT {stored}, c.period_code,
                                        a.place_order[COALESCE(c.province_id, 0) + 1] AS p_ix,
                    array_position(a.codes, c.period_code::text) AS t_ix,
                    array_position(a.pairs, c.dimension || '{pair}' || c.category) AS k_ix
                FROM summaries_releasecell c
                WHERE c.release_id = %s AND c.indicator_id = i.id
                OFFSET 0
            ) c
            WHERE c.p_ix > 0 AND c.t_ix IS NOT NULL AND c.k_ix IS NOT NULL
                AND (i.mask & (1 << (c.k_ix - 1))) <> 0
            ORDER BY c.p_ix, c.t_ix, c.k_ix
        ) c
    """


def _values(rows: Sequence[Sequence]) -> tuple[str, list]:
    """A VALUES list of rows as SQL with placeholders, and its parameters."""
    row = "(" + ", ".join(["%s"] * len(rows[0])) + ")"
    return ", ".join([row] * len(rows)), [value for values in rows for value in values]


def _joined_query(
    release: Release, layout: Layout, select: str, select_params: Sequence, *, csv: bool
) -> tuple[str, list]:
    """The portable query: the stored cells joined with the lookups as VALUES lists."""
    heads, labels, places, periods = _pieces(layout, csv)
    ic_rows = [
        (pk, dimension, category, order, index, ratio, heads[order], labels[index])
        for order, (pk, ratio, mask, _h) in enumerate(layout.indicators)
        for index, (dimension, category, _l) in enumerate(layout.combos)
        if mask & (1 << index)
    ]
    cell_sql, cell_params = _values(ic_rows or [(0, "", "", 0, 0, 0, "", "")])
    place_sql, place_params = _values(
        [
            (pk, order, int(pk == NATIONAL), places[order])
            for order, (pk, _t) in enumerate(layout.places)
        ]
    )
    period_sql, period_params = _values(
        [
            (code, order, int(code == layout.year), periods[order])
            for order, code in enumerate(layout.periods)
        ]
        or [("", 0, 0, "" if csv else 0)]  # a release without cells: a row that matches none
    )
    sql = JOINED_QUERY.format(
        cell_sql=cell_sql, place_sql=place_sql, period_sql=period_sql, select=select
    )
    return sql, [*cell_params, *place_params, *period_params, *select_params, release.pk]


# A separator that no dimension or category holds, to look a (dimension, category) pair up.
_PAIR = "\x1f"


def _array_query(
    release: Release, layout: Layout, select: str, select_params: Sequence, *, csv: bool
) -> tuple[str, list]:
    """PostgreSQL's query: indicator by indicator in file order (a nested loop over the array of
    their ids, each reading its cells by the index), each stored cell finds its place in small
    arrays (places by id, periods and cells by position), the narrow rows of one indicator are
    sorted (a few thousand, in memory), and only then is the text put together. OFFSET 0 keeps
    each position worked out once."""
    heads, labels, places, periods = _pieces(layout, csv)
    text_type = "text[]" if csv else "int[]"
    place_order = [0] * (max(pk for pk, _t in layout.places) + 1)
    for order, (pk, _t) in enumerate(layout.places, start=1):
        place_order[pk] = order
    stored = ", ".join(f"c.{name}" for name in STORED)
    sql = ARRAY_QUERY.format(text_type=text_type, select=select, stored=stored, pair=_PAIR)
    params = [
        [pk for pk, *_r in layout.indicators],
        [mask for _pk, _r, mask, _h in layout.indicators],
        [ratio for _pk, ratio, *_r in layout.indicators],
        [f"{dimension}{_PAIR}{category}" for dimension, category, _l in layout.combos],
        place_order,
        layout.periods,
        layout.year,
        heads,
        labels,
        places,
        periods,
    ]
    return sql, [*params, *select_params, release.pk]


def _part(name: str, ratio: str) -> str:
    """A value, numerator or denominator as CSV: empty when not of the indicator's kind or not
    reported, the mark when hidden, else the stored number (parameters: empty, mark)."""
    wrong_kind = f"{ratio} = 0" if name != "value" else f"{ratio} = 1"
    return (
        f"CASE WHEN {wrong_kind} OR c.{name} IS NULL THEN %s"
        f" WHEN c.{name}_hidden THEN %s ELSE CAST(c.{name} AS TEXT) END"
    )


def _csv_select(layout: Layout, names: dict[str, str]) -> tuple[str, list[str]]:
    """The expression of a CSV row (without its line break), and its parameters."""
    empty = csv_fragment([""])
    mark = csv_fragment([layout.mark])
    parts = [
        (names["head"], []),
        (names["place"], []),
        (names["period"], []),
        (names["cell"], []),
        (_part("value", names["ratio"]), [empty, mark]),
        (_part("numerator", names["ratio"]), [empty, mark]),
        (_part("denominator", names["ratio"]), [empty, mark]),
        ("CAST(c.report_count AS TEXT)", []),
        ("CAST(c.organisation_count AS TEXT)", []),
        ("CAST(c.organisations_expected AS TEXT)", []),
        (
            f"CASE WHEN {names['national']} = 1 THEN CAST(c.provinces_reporting AS TEXT)"
            " ELSE %s END",
            [empty],
        ),
        (
            f"CASE WHEN {names['national']} = 1 THEN CAST(c.bodies_reporting AS TEXT) ELSE %s END",
            [empty],
        ),
        (
            f"CASE WHEN {names['is_year']} = 1 THEN '\"' || CAST(c.periods_in AS TEXT) || '/'"
            " || CAST(c.periods_expected AS TEXT) || '\"' ELSE %s END",
            [empty],
        ),
        ("CASE WHEN c.provisional THEN %s ELSE %s END", [csv_fragment([layout.yes]), empty]),
    ]
    params = [p for _s, ps in parts for p in ps]
    if names is ARRAYS:  # PostgreSQL: one allocation per row rather than one per piece
        return "concat_ws(',', " + ", ".join(sql for sql, _p in parts) + ")", params
    return " || ',' || ".join(sql for sql, _p in parts), params


def _query(
    release: Release, layout: Layout, select: Callable, *, csv: bool, fast: bool
) -> tuple[str, list]:
    """The query of a file's rows in file order: with arrays on PostgreSQL (`fast`), else with
    VALUES joins; `select` makes the select list (and its parameters) from the lookups' names."""
    if fast and connection.vendor == "postgresql":
        columns, params = select(ARRAYS)
        return _array_query(release, layout, columns, params, csv=csv)
    columns, params = select(JOINED)
    return _joined_query(release, layout, columns, params, csv=csv)


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

    def select(names: dict[str, str]) -> tuple[str, list[str]]:
        columns, params = _csv_select(layout, names)
        return f"{columns} AS line", params

    sql, params = _query(release, layout, select, csv=True, fast=fast)
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
        # SET takes no parameters; SORT_MEMORY is this module's constant, never input.
        cursor.execute(f"SET LOCAL work_mem = '{SORT_MEMORY}'")
        cursor.execute("SET LOCAL jit = off")  # compiling costs more than it saves here
        raw = cursor.cursor  # psycopg's own cursor, for its COPY support
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


def typed_rows(release: Release, layout: Layout, *, fast: bool = True) -> Iterator[tuple]:
    """The data rows of a release's XLSX file: numbers as numbers, text neutralised, a hidden
    part as its mark; read in file order through a server-side cursor on PostgreSQL."""

    def select(names: dict[str, str]) -> tuple[str, list]:
        columns = [names[name] for name in ("head", "cell", "place", "period", "ratio")]
        columns += [names["national"], names["is_year"]]
        return ", ".join(columns) + ", " + ", ".join(f"c.{name}" for name in STORED), []

    sql, params = _query(release, layout, select, csv=False, fast=fast)
    heads = [tuple(neutralise(str(text)) for text in head) for *_i, head in layout.indicators]
    labels = [tuple(neutralise(str(text)) for text in label) for *_c, label in layout.combos]
    places = [tuple(neutralise(str(text)) for text in place) for _p, place in layout.places]
    periods = [neutralise(code) for code in layout.periods]
    mark, yes = neutralise(layout.mark), neutralise(layout.yes)
    for (
        head,
        cell,
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
        bodies,
        periods_in,
        periods_expected,
        provisional,
    ) in _server_side(sql, params):
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
            *heads[head],
            *places[place],
            periods[period],
            *labels[cell],
            value,
            numerator,
            denominator,
            reports,
            organisations,
            expected,
            provinces if national else "",
            bodies if national else "",
            f"{periods_in}/{periods_expected}" if is_year else "",
            yes if provisional else "",
        )


STORED = (
    "value",
    "numerator",
    "denominator",
    "value_hidden",
    "numerator_hidden",
    "denominator_hidden",
    "report_count",
    "organisation_count",
    "organisations_expected",
    "provinces_reporting",
    "bodies_reporting",
    "periods_in",
    "periods_expected",
    "provisional",
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
        # SET takes no parameters; SORT_MEMORY is this module's constant, never input.
        cursor.execute(f"SET LOCAL work_mem = '{SORT_MEMORY}'")
        cursor.execute("SET LOCAL jit = off")
        # A named (server-side) cursor: rows arrive in batches, never all at once.
        # Binary format: every column is a number or a flag, read without parsing text.
        named = cursor.connection.cursor(name="release_file", binary=True)
        try:
            named.execute(sql, params)
            # Batches, not the cursor's own iteration: its per-row step is a third of the read.
            while batch := named.fetchmany(FETCH_ROWS):
                yield from batch
        finally:
            named.close()
