"""Writing tabular downloads safely: streamed CSV with a BOM and write-only XLSX, for every file
the portal writes (the audit log, summaries).

Every text cell is neutralised against formula injection: a cell a spreadsheet would read as a
formula (starting with = + - @, a tab or a carriage return) gets a leading apostrophe, and XLSX
text cells are typed as strings so they are never evaluated.
"""

import csv
from collections.abc import Iterable, Iterator, Sequence

from django.utils import translation
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def neutralise(value):
    """Text a spreadsheet could run as a formula gets a leading apostrophe; numbers pass."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def csv_stream(
    header: Sequence[str], rows: Iterable[Sequence], *, preamble: Sequence[str] = ()
) -> Iterator[str]:
    """CSV lines one by one: a UTF-8 BOM first (so Excel reads Vietnamese), comment lines about
    the file ("# ..."), then the header and the rows."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield BOM
    for line in preamble:
        yield writer.writerow([neutralise(f"# {line}")])
    yield writer.writerow([neutralise(str(h)) for h in header])
    for row in rows:
        yield writer.writerow([neutralise(value) for value in row])


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
) -> int:
    """Write a workbook row by row (openpyxl write-only mode) to a path or binary file, with an
    "about this file" sheet after the data when `about` has lines.

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
