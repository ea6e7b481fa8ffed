"""CSV and XLSX writers: BOM, streaming, formula neutralisation, text typed as text."""

import csv
import io

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.spreadsheets import csv_stream, neutralise, write_xlsx
from tests.csv_reading import HOSTILE_TEXTS, formula_cells

DANGEROUS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_formula_like_text_is_neutralised(value):
    assert neutralise(value) == "'" + value


def test_harmless_values_pass_through():
    assert neutralise("Hà Nội") == "Hà Nội"
    assert neutralise(-3) == -3
    assert neutralise(None) is None


def test_csv_starts_with_a_bom_and_reads_back_in_vietnamese():
    chunks = list(csv_stream(["Tỉnh", "Giá trị"], [["Hà Nội", 12], ["=HYPERLINK()", 3]]))
    assert chunks[0] == "\ufeff"
    text = "".join(chunks)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [["Tỉnh", "Giá trị"], ["Hà Nội", "12"], ["'=HYPERLINK()", "3"]]
    assert "\r\n" in text


def test_csv_is_a_generator_that_does_not_read_ahead():
    consumed = []

    def rows():
        for n in range(3):
            consumed.append(n)
            yield [n]

    stream = csv_stream(["n"], rows())
    next(stream), next(stream)
    assert consumed == []
    next(stream)
    assert consumed == [0]


def test_xlsx_types_text_as_text_and_keeps_numbers(tmp_path):
    path = tmp_path / "out.xlsx"
    written = write_xlsx(path, ["Mã", "Giá trị"], [["=1+1", 7], ["Đà Nẵng", None]], "2026-Q3")
    assert written == 2
    sheet = openpyxl.load_workbook(path).active
    assert sheet.title == "2026-Q3"
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    assert sheet["A2"].value == "'=1+1" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == 7 and sheet["B2"].data_type == "n"
    assert sheet["A3"].value == "Đà Nẵng"


def csv_text(header, rows) -> str:
    return "".join(csv_stream(header, rows))


def test_every_text_field_is_quoted_and_numbers_stay_numbers():
    text = csv_text(["Mã", "Giá trị"], [["Hà Nội", 12, None, 0, 2.5]])

    assert text.lstrip("\ufeff").splitlines() == ['"Mã","Giá trị"', '"Hà Nội",12,"",0,2.5']


@pytest.mark.parametrize("value", HOSTILE_TEXTS)
@pytest.mark.parametrize("where", ["header", "row"])
def test_no_cell_is_a_formula_whichever_list_separator_the_spreadsheet_uses(value, where):
    header, rows = (["a", value], [["b", 1]]) if where == "header" else (["a", "b"], [[value, 1]])

    text = csv_text(header, rows)

    assert formula_cells(text) == []


@pytest.mark.parametrize("value", HOSTILE_TEXTS)
def test_read_with_the_right_separator_the_text_is_all_there_only_marked(value):
    text = csv_text(["x"], [[value]]).lstrip("\ufeff")

    header, (cell,) = list(csv.reader(io.StringIO(text)))

    assert header == ["x"]
    assert cell != value
    assert cell.replace("'", "") == value.replace("'", "")


TEXT = st.text(alphabet=["=", "+", "-", "@", "\t", "\r", "\n", ",", ";", '"', " ", "a", "1"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(TEXT, st.integers(min_value=0)), min_size=1, max_size=4))
def test_any_text_with_any_separator_never_reads_as_a_formula(row):
    assert formula_cells(csv_text(["h"], [row])) == []


def test_an_xlsx_without_rows_still_has_its_header_and_about_sheet():
    buffer = io.BytesIO()

    written = write_xlsx(buffer, ["Mã", "Giá trị"], [], "Trống", about=["Ghi chú"])

    buffer.seek(0)
    data, about = openpyxl.load_workbook(buffer).worksheets
    assert written == 0
    assert list(data.iter_rows(values_only=True)) == [("Mã", "Giá trị")]
    assert about["A1"].value == "Ghi chú"
