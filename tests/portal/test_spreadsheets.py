"""CSV and XLSX writers: BOM, streaming, formula neutralisation, text typed as text."""

import csv
import io

import openpyxl
import pytest

from portal.spreadsheets import csv_stream, neutralise, write_xlsx

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
