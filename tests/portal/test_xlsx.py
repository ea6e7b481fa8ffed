"""The streaming XLSX writer, read back with openpyxl: typed cells, text kept as text (never a
formula), what XML cannot hold removed, sheets continued past Excel's row limit."""

import io
import math
import zipfile
from decimal import Decimal

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st

from portal import xlsx
from portal.xlsx import write_workbook


def read(sheets) -> openpyxl.Workbook:
    buffer = io.BytesIO()
    write_workbook(buffer, sheets)
    buffer.seek(0)
    return openpyxl.load_workbook(buffer)


def test_cells_are_typed_and_empty_ones_keep_their_column():
    row = ["Hà Nội", 12, 2.5, Decimal("7.25"), True, None, "", -3, 10_000_001, 0, 1]
    sheet = read([("Dữ liệu", [f"c{n}" for n in range(len(row))], [row])]).active

    cells = [sheet.cell(2, column) for column in range(1, len(row) + 1)]

    assert [cell.value for cell in cells] == [
        "Hà Nội", 12, 2.5, 7.25, True, None, None, -3, 10_000_001, 0, 1,
    ]  # fmt: skip
    assert [cell.data_type for cell in cells[:5]] == ["s", "n", "n", "n", "b"]
    assert [cell.data_type for cell in cells[7:]] == ["n"] * 4
    assert sheet.title == "Dữ liệu" and sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold and not sheet["A2"].font.bold


def test_formula_like_text_is_text_with_an_apostrophe_and_no_cell_is_a_formula():
    hostile = ["=1+1", "+SUM(A1)", "-2", "@x", "\tx", '=cmd|"/c calc"!A1']
    buffer = io.BytesIO()
    write_workbook(buffer, [("s", ["h"] * len(hostile), [hostile, hostile])])

    buffer.seek(0)
    sheet = openpyxl.load_workbook(buffer).active
    with zipfile.ZipFile(buffer) as book:
        xml = book.read("xl/worksheets/sheet1.xml").decode()

    assert [cell.value for cell in sheet[2]] == ["'" + text for text in hostile]
    assert all(cell.data_type == "s" for cell in sheet[3])
    assert "<f>" not in xml and "<f " not in xml


def test_markup_spaces_and_characters_xml_cannot_hold():
    texts = ["a < b & c > d", "</t></is></c><c><f>1+1</f></c>", "  padded  ", "bell\x07 nul\x00"]
    sheet = read([("s", ["h"] * len(texts), [texts])]).active

    assert [cell.value for cell in sheet[2]] == [
        "a < b & c > d",
        "</t></is></c><c><f>1+1</f></c>",
        "  padded  ",
        "bell nul",
    ]


def test_numbers_a_spreadsheet_cannot_hold_are_written_as_text():
    sheet = read([("s", ["a", "b", "c"], [[math.nan, math.inf, Decimal("NaN")]])]).active

    assert [cell.value for cell in sheet[2]] == ["nan", "inf", "NaN"]


def test_long_text_is_cut_at_the_cell_limit():
    sheet = read([("s", ["h"], [["x" * 40_000]])]).active

    assert len(sheet["A2"].value) == xlsx.MAX_TEXT


def test_rows_past_the_sheet_limit_continue_on_another_sheet(monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 4)  # the header and three rows a sheet
    rows = [[n, f"r{n}"] for n in range(7)]

    buffer = io.BytesIO()
    counts = write_workbook(buffer, [("Data", ["n", "t"], iter(rows)), ("About", ["x"], [])])
    buffer.seek(0)
    book = openpyxl.load_workbook(buffer)

    assert counts == [7, 0]
    assert book.sheetnames == ["Data", "Data (2)", "Data (3)", "About"]
    read_back = [row for sheet in book.worksheets[:3] for row in sheet.iter_rows(values_only=True)]
    header = ("n", "t")
    sheets = [rows[:3], rows[3:6], rows[6:]]
    assert read_back == [line for part in sheets for line in [header, *map(tuple, part)]]


def test_a_sheet_exactly_full_makes_no_empty_sheet(monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)

    counts = write_workbook(io.BytesIO(), [("Data", ["n"], [[1], [2]])])
    book = read([("Data", ["n"], [[1], [2]])])

    assert counts == [2]
    assert book.sheetnames == ["Data"]


def test_a_row_of_the_wrong_width_is_refused():
    try:
        write_workbook(io.BytesIO(), [("s", ["a", "b"], [[1]])])
    except ValueError as error:
        assert "Row 2" in str(error)
    else:
        raise AssertionError("a short row was written")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(
                alphabet=st.characters(blacklist_categories=["Cs"]),
                max_size=30,
            ),
            st.integers(min_value=-(10**15), max_value=10**15),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_any_text_or_number_reads_back_as_written(row):
    sheet = read([("s", [f"c{n}" for n in range(len(row))], [row])]).active

    def expected(value):
        if isinstance(value, int):
            return value
        text = "".join(c for c in value if not xlsx._ILLEGAL.match(c))
        if text.startswith(xlsx.FORMULA_PREFIXES):
            text = "'" + text
        return text or None

    assert [cell.value for cell in sheet[2]] == [expected(value) for value in row]
    assert all(cell.data_type != "f" for cell in sheet[2])
