"""How a spreadsheet could split a CSV file the portal wrote, to check that no cell becomes a
formula however it is read.

Excel takes the list separator from the computer's regional settings: `,` in English, `;` in
Vietnamese and most European ones. A file written with `,` is then split on `;`, and the quoting
no longer lines up. Each reading below is one a spreadsheet or a quick script could make."""

import contextlib
import csv
import io

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# What a lenient reader skips before the first character it looks at. A tab, carriage return or
# line feed is dangerous only as the way to an = + - @ behind it; and a field read with the wrong
# separator can begin with the file's own line break when a quote no longer lines up.
LEADING = ' "\t\r\n'
HOSTILE_TEXTS = [
    ";=1+1;",
    ",=1+1,",
    '=HYPERLINK("http://example.org","x")',
    "a;@SUM(A1:A9)",
    "b,+1",
    "c; -2+3",
    'd;"=1+1',
    '"=1+1',
    "\t=1",
    "\r=1",
    "e\n=1+1",
    "f\r\n@x",
    "-3",
    "g;;==1",
]


def readings(text: str) -> dict[str, list[list[str]]]:
    """The rows of `text` as read with each separator, by a CSV reader and by a plain split."""
    text = text.lstrip("\ufeff")
    found = {}
    for delimiter in (",", ";"):
        # A reader that refuses the file (a line break where it expects none) shows no cell.
        with contextlib.suppress(csv.Error):
            found[f"csv {delimiter}"] = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        found[f"split {delimiter}"] = [
            [field.strip().lstrip('"') for field in line.split(delimiter)]
            for line in text.splitlines()
        ]
    return found


def starts_a_formula(cell: str) -> bool:
    """The cell starts with a formula character (= + - @), directly or behind spaces, quotes,
    tabs or line breaks. A negative number would count too: the portal's files hold none."""
    return cell.lstrip(LEADING).startswith(FORMULA_STARTS[:4])


def formula_cells(text: str) -> list[tuple[str, str]]:
    """Every (reading, cell) that a spreadsheet would run as a formula."""
    return [
        (name, cell)
        for name, rows in readings(text).items()
        for row in rows
        for cell in row
        if starts_a_formula(cell)
    ]
