"""Writing tabular downloads safely: streamed CSV with a BOM and write-only XLSX, for every file
the portal writes (the audit log, summaries).

Every text cell is neutralised against formula injection: a cell a spreadsheet would read as a
formula (starting with = + - @, a tab, a carriage return or a line feed) gets a leading
apostrophe, and XLSX text cells are written as strings so they are never evaluated.

CSV needs more, because the reader decides where a cell begins: Excel splits on the list
separator of the computer's regional settings, `;` in Vietnamese and most European ones, `,` in
English. Read with the other separator, the quoting no longer lines up and any `;` or `,` inside
a value starts a new cell. So in CSV every text field is quoted, numbers are written as numbers,
and a formula start is neutralised wherever a cell could begin: at the start of the value and
after each `,`, `;`, tab or line break in it (spaces and quotes in between are skipped over, as
a lenient reader would).
"""

import csv
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import IO

from django.utils import translation

from portal.xlsx import FORMULA_PREFIXES, write_workbook

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


_FRAGMENT_WRITER = csv.writer(_Echo(), lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)


def csv_fragment(values: Sequence) -> str:
    """Fields as `csv_stream` writes them within a row, without the line break: pieces of a row
    that the database puts together (a row is its pieces joined by commas)."""
    line: str = _FRAGMENT_WRITER.writerow([csv_field(value) for value in values])
    return line[: -len("\r\n")]


def sheet_name(title: str) -> str:
    """A name Excel accepts: at most 31 characters, none of : \\ / ? * [ ]."""
    cleaned = "".join("-" if char in ":\\/?*[]" else char for char in title)
    return cleaned[:31] or "Sheet"


def write_xlsx(
    target: "str | os.PathLike[str] | IO[bytes]",
    header: Sequence[str],
    rows: Iterable[Sequence],
    sheet_title: str,
    *,
    about: Sequence[str] = (),
    about_title: str = "About",
    sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]] = (),
) -> int:
    """Write a workbook row by row to a path or binary file, with further `sheets` (title,
    header, rows) after the data, then an "about this file" sheet when `about` has lines.
    Returns the number of data rows written.

    The writer is `portal.xlsx` (sheet XML streamed into the zip), chosen by measurement
    (`bench/files.py xlsx-writers`) over openpyxl's write-only mode, XlsxWriter's constant_memory
    and rustpy-xlsxwriter. It writes every str as an inline string, never as a formula, and
    numbers as numbers; text is neutralised as well, for whoever copies a cell into a formula
    bar. Headers are bold and frozen.
    """
    count = 0

    def counting(source: Iterable[Sequence]) -> Iterator[Sequence]:
        nonlocal count
        for row in source:
            count += 1
            yield row

    book: list[tuple[str, Sequence[str], Iterable[Sequence]]] = [
        (sheet_name(sheet_title), header, counting(rows))
    ]
    for title, sheet_header, sheet_rows in sheets:
        book.append((sheet_name(title), sheet_header, sheet_rows))
    if about:
        notes = [str(line) for line in about]
        # The first line heads the sheet; the others follow it, one a row, in column A.
        book.append((sheet_name(about_title), [notes[0]], [[line] for line in notes[1:]]))
    if isinstance(target, str | os.PathLike):
        with open(target, "wb") as handle:
            write_workbook(handle, book)
    else:
        write_workbook(target, book)
    return count


def in_current_language(chunks: Iterator[str]) -> Iterator[str]:
    """A streamed body is produced after the view returns: keep the request's language for it."""
    language = translation.get_language()

    def produce():
        with translation.override(language):
            yield from chunks

    return produce()
