"""Writing tabular downloads safely: streamed CSV with a BOM and write-only XLSX, for every file
the portal writes (the audit log, summaries).

Every text cell is neutralised against formula injection: a cell a spreadsheet would read as a
formula (starting with = + - @, a tab, a carriage return or a line feed) gets a leading
apostrophe, and XLSX text cells are typed as strings so they are never evaluated.

CSV needs more, because the reader decides where a cell begins: Excel splits on the list
separator of the computer's regional settings, `;` in Vietnamese and most European ones, `,` in
English. Read with the other separator, the quoting no longer lines up and any `;` or `,` inside
a value starts a new cell. So in CSV every text field is quoted, numbers are written as numbers,
and a formula start is neutralised wherever a cell could begin: at the start of the value and
after each `,`, `;`, tab or line break in it (spaces and quotes in between are skipped over, as
a lenient reader would).
"""

import csv
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from django.utils import translation
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
BOM = "\ufeff"
# Where a CSV reader with the wrong separator (or a plain split) could start a cell: the start of
# the value, or after a separator or line break; then any spaces or quotes; then a formula start.
_CELL_STARTS = re.compile(r"""(?:^|(?<=[,;\t\r\n]))([ "]*)(?=[=+\-@\t\r\n])""")


def neutralise(value):
    """Text a spreadsheet could run as a formula gets a leading apostrophe; numbers pass."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _is_number(value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def csv_field(value):
    """A value as the CSV writes it: a number as a number; anything else as text, with an
    apostrophe before every formula start where a cell could begin (see the module docstring)."""
    if _is_number(value):
        return value
    text = "" if value is None else str(value)
    return _CELL_STARTS.sub(r"\1'", text)


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def csv_stream(
    header: Sequence[str], rows: Iterable[Sequence], *, preamble: Sequence[str] = ()
) -> Iterator[str]:
    """CSV lines one by one: a UTF-8 BOM first (so Excel reads Vietnamese), comment lines about
    the file ("# ..."), then the header and the rows.

    Every text field is quoted (QUOTE_NONNUMERIC; `csv_field` leaves only numbers as numbers)."""
    writer = csv.writer(_Echo(), lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)
    yield BOM
    for line in preamble:
        yield writer.writerow([csv_field(f"# {line}")])
    yield writer.writerow([csv_field(str(h)) for h in header])
    for row in rows:
        yield writer.writerow([csv_field(value) for value in row])


def _text_cell(sheet, value, font=None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        # Typed as a string: openpyxl would otherwise store "=..." as a formula.
        cell.data_type = "s"
    if font is not None:
        cell.font = font
    return cell


def sheet_name(title: str) -> str:
    """A name Excel accepts: at most 31 characters, none of : \\ / ? * [ ]."""
    cleaned = "".join("-" if char in ":\\/?*[]" else char for char in title)
    return cleaned[:31] or "Sheet"


def write_xlsx(
    target,
    header: Sequence[str],
    rows: Iterable[Sequence],
    sheet_title: str,
    *,
    about: Sequence[str] = (),
    about_title: str = "About",
    sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]] = (),
) -> int:
    """Write a workbook row by row (openpyxl write-only mode) to a path or binary file, with
    further `sheets` (title, header, rows) after the data, then an "about this file" sheet when
    `about` has lines.

    Returns the number of data rows written.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_name(sheet_title))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([_text_cell(sheet, neutralise(str(h)), bold) for h in header])
    count = 0
    for row in rows:
        sheet.append([_text_cell(sheet, neutralise(value)) for value in row])
        count += 1
    for title, sheet_header, sheet_rows in sheets:
        extra = workbook.create_sheet(title=sheet_name(title))
        extra.freeze_panes = "A2"
        extra.append([_text_cell(extra, neutralise(str(h)), bold) for h in sheet_header])
        for row in sheet_rows:
            extra.append([_text_cell(extra, neutralise(value)) for value in row])
    if about:
        notes = workbook.create_sheet(title=sheet_name(about_title))
        for line in about:
            notes.append([_text_cell(notes, neutralise(line))])
    workbook.save(target)
    return count


def in_current_language(chunks: Iterator[str]) -> Iterator[str]:
    """A streamed body is produced after the view returns: keep the request's language for it."""
    language = translation.get_language()

    def produce():
        with translation.override(language):
            yield from chunks

    return produce()
