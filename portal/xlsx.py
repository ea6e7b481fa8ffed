"""A streaming XLSX writer: each sheet's XML written straight into a deflated zip member, row by
row, so a workbook of a million rows needs no more memory than one row.

Chosen by measurement (`bench/files.py xlsx-writers`) over openpyxl's write-only mode, XlsxWriter's
constant_memory and rustpy-xlsxwriter (Rust's rust_xlsxwriter, fed a dict per row): a spreadsheet
file is a zip of a few small XML parts and one large part per sheet, and a large part is mostly
the same few cell shapes, so writing them is string formatting, and repeated text (the labels of
a release file) is escaped once and remembered.

What it writes, and nothing else:
- text as inline strings (`t="inlineStr"`), never as a formula: a cell is a formula only if it
  has an `<f>` element, which this writer never writes; XML-escaped, characters XML cannot hold
  removed, cut at Excel's 32,767 characters;
- numbers (int, float, Decimal) as numbers; booleans as booleans; None and "" as empty cells;
  a NaN or infinite float, which a spreadsheet cannot hold, as its text;
- the header row bold and frozen;
- a sheet longer than Excel's 1,048,576 rows continues on further sheets ("Title (2)", ...),
  each with the header again.

Text a spreadsheet would read as a formula if typed in (starting with = + - @, a tab, a carriage
return or a line feed) gets a leading apostrophe as well, for whoever copies a cell into a formula
bar: worked out once per distinct text, as the rest of its cell.
"""

import itertools
import math
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import IO
from xml.sax.saxutils import escape

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
MAX_ROWS = 1_048_576  # Excel's limit per sheet, the header included
MAX_TEXT = 32_767  # characters in a cell
MAX_TITLE = 31
# Characters XML 1.0 cannot hold (tab, line feed and carriage return it can).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Text remembered as ready-made cell XML: a release file has a few thousand distinct texts; a file
# of free text (the audit log) stops remembering once this many are known.
_CACHE_LIMIT = 50_000

_OFFICE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_OFFICE}.sheet.main+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_OFFICE}.styles+xml"/>'
    "{sheets}</Types>"
)
_SHEET_TYPE = (
    f'<Override PartName="/xl/worksheets/sheet{{n}}.xml" ContentType="{_OFFICE}.worksheet+xml"/>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    "<sheets>{sheets}</sheets></workbook>"
)
_WORKBOOK_SHEET = '<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>'
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    "{sheets}"
    '<Relationship Id="rId{styles}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/styles" Target="styles.xml"/></Relationships>'
)
_SHEET_REL = (
    '<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet{n}.xml"/>'
)
# Two cell formats: 0 plain, 1 bold (the header).
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetViews><sheetView workbookViewId="0"{selected}>'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
    "<sheetData>"
)
_SHEET_END = "</sheetData></worksheet>"


# A carriage return kept as a character reference: XML readers turn a bare one into a line feed.
_CARRIAGE_RETURN = {"\r": "&#13;"}


def _text(value: str) -> str:
    """A text cell: an inline string, neutralised, escaped and cleaned."""
    if value.startswith(FORMULA_PREFIXES):
        value = "'" + value
    if len(value) > MAX_TEXT:
        value = value[:MAX_TEXT]
    if _ILLEGAL.search(value):
        value = _ILLEGAL.sub("", value)
        if not value:
            return _EMPTY
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f'<c t="inlineStr"><is><t{space}>{escape(value, _CARRIAGE_RETURN)}</t></is></c>'


_EMPTY = "<c/>"
# Small whole numbers, written ready-made. 0 and 1 are left out: True and False look them up
# as equal keys and must stay booleans. (A float or Decimal equal to a key is the same number.)
_SMALL_INTS = range(2, 10_000)


class _Cells:
    """Cell XML by value. Cells carry no reference (`r` is optional): each row writes every
    column, an empty one as `<c/>`, so a cell's column is its position. Text is remembered,
    up to `_CACHE_LIMIT` distinct values."""

    def __init__(self) -> None:
        self.known: dict[object, str] = {None: _EMPTY, "": _EMPTY}
        self.known.update((number, f"<c><v>{number}</v></c>") for number in _SMALL_INTS)
        self.room = _CACHE_LIMIT

    def cell(self, value: object) -> str:
        """A value's cell XML (after a lookup in `known` missed)."""
        if isinstance(value, str):
            xml = _text(value)
            if self.room and value.__class__ is str:
                self.room -= 1
                self.known[value] = xml
            return xml
        if value is None:
            return _EMPTY
        if isinstance(value, bool):
            return f'<c t="b"><v>{int(value)}</v></c>'
        if isinstance(value, int):
            return f"<c><v>{value}</v></c>"
        if isinstance(value, float):
            return f"<c><v>{value!r}</v></c>" if math.isfinite(value) else _text(str(value))
        if isinstance(value, Decimal):
            return f"<c><v>{value}</v></c>" if value.is_finite() else _text(str(value))
        return self.cell(str(value))


def _unique_titles(titles: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    unique = []
    for title in titles:
        candidate, number = title[:MAX_TITLE] or "Sheet", 2
        while candidate.lower() in seen:
            suffix = f" ({number})"
            candidate, number = title[: MAX_TITLE - len(suffix)] + suffix, number + 1
        seen.add(candidate.lower())
        unique.append(candidate)
    return unique


def write_workbook(
    target: IO[bytes], sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]]
) -> list[int]:
    """Write sheets (title, header, rows) as a workbook into a binary file; returns the number of
    data rows of each sheet given. Titles must already be names Excel accepts."""
    cells = _Cells()
    titles: list[str] = []
    counts: list[int] = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        for title, header, rows in sheets:
            count = 0
            part = 0
            iterator: Iterator[Sequence] = iter(rows)
            while True:
                part += 1
                titles.append(title if part == 1 else f"{title} ({part})")
                written, full = _write_sheet(
                    book, len(titles), cells, header, iterator, first=len(titles) == 1
                )
                count += written
                following = next(iterator, _END) if full else _END
                if following is _END:
                    break
                iterator = itertools.chain([following], iterator)
            counts.append(count)
        unique = _unique_titles(titles)
        numbers = range(1, len(unique) + 1)
        book.writestr(
            "[Content_Types].xml",
            _CONTENT_TYPES.format(sheets="".join(_SHEET_TYPE.format(n=n) for n in numbers)),
        )
        book.writestr("_rels/.rels", _ROOT_RELS)
        book.writestr(
            "xl/workbook.xml",
            _WORKBOOK.format(
                sheets="".join(
                    _WORKBOOK_SHEET.format(name=escape(name, {'"': "&quot;"}), n=n)
                    for n, name in zip(numbers, unique, strict=True)
                )
            ),
        )
        book.writestr(
            "xl/_rels/workbook.xml.rels",
            _WORKBOOK_RELS.format(
                sheets="".join(_SHEET_REL.format(n=n) for n in numbers), styles=len(unique) + 1
            ),
        )
        book.writestr("xl/styles.xml", _STYLES)
    return counts


_END: Sequence = ()  # no more rows (a row is never this very tuple)

# Rows joined into one write: fewer calls into the compressor, memory still small.
_BATCH = 256


def _write_sheet(
    book: zipfile.ZipFile,
    number: int,
    cells: _Cells,
    header: Sequence[str],
    rows: Iterable[Sequence],
    *,
    first: bool,
) -> tuple[int, bool]:
    """One sheet part: the bold header, then rows until they end (False) or the sheet is full
    (True: the rest, if any, goes on the next sheet)."""
    known, cell = cells.known, cells.cell
    with book.open(f"xl/worksheets/sheet{number}.xml", "w", force_zip64=True) as part:
        part.write(_SHEET_START.format(selected=' tabSelected="1"' if first else "").encode())
        head = "".join(cell(str(value)).replace("<c", '<c s="1"', 1) for value in header)
        part.write(f'<row r="1">{head}</row>'.encode())
        width = len(header)
        batch: list[str] = []
        line = 1  # the header's
        for row in rows:
            line += 1
            if len(row) != width:
                raise ValueError(f"Row {line} has {len(row)} cells; the header has {width}.")
            batch.append(
                f'<row r="{line}">'
                + "".join([known.get(value) or cell(value) for value in row])
                + "</row>"
            )
            if len(batch) == _BATCH:
                part.write("".join(batch).encode())
                batch = []
            if line == MAX_ROWS:
                break
        part.write(("".join(batch) + _SHEET_END).encode())
    return line - 1, line == MAX_ROWS
