"""Reading CSV and XLSX files into rows, and writing them safely."""

import codecs
import io
from decimal import Decimal

import openpyxl
import pytest

from exchange.tabular import (
    CSV,
    XLSX,
    Problem,
    escape_cell,
    read_table,
    unescape_cell,
    write_table,
)

COLUMNS = ["name", "count", "note"]


def read(content: bytes, filename="data.csv", required=("name",)):
    return read_table(content, filename, known_columns=COLUMNS, required_columns=required)


def only_problem(result) -> Problem:
    assert result.table is None
    assert len(result.problems) == 1, [str(p) for p in result.problems]
    return result.problems[0]


@pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF8])
@pytest.mark.parametrize("delimiter", [",", ";"])
def test_csv_is_read_with_or_without_bom_and_either_delimiter(bom, delimiter):
    text = f"Name{delimiter}count\r\nLiège{delimiter}3\r\n{delimiter}\r\nGent{delimiter} 4 \r\n"
    result = read(bom + text.encode("utf-8"))

    assert result.problems == []
    assert result.table.columns == ["name", "count"]
    assert [(row.number, row.values) for row in result.table.rows] == [
        (2, {"name": "Liège", "count": "3"}),
        (4, {"name": "Gent", "count": "4"}),  # the empty row 3 is skipped, spaces stripped
    ]


def test_windows_1252_csv_is_refused_with_advice_to_save_as_utf8():
    problem = only_problem(read("name,note\r\nA,ok\r\nB,déjà vu\r\n".encode("cp1252")))

    assert problem.row == 3
    assert "UTF-8" in problem.message
    assert "CSV UTF-8" in problem.message


@pytest.mark.parametrize("content", [b"", b"   \r\n", codecs.BOM_UTF8])
def test_empty_file_is_refused(content):
    assert only_problem(read(content)).message == "The file is empty."


def test_file_with_only_a_header_is_refused():
    assert "no data rows" in only_problem(read(b"name,count\r\n")).message


@pytest.mark.parametrize(
    ("filename", "content", "expected"),
    [
        ("plan.pdf", b"%PDF-1.4", "Unknown file type .pdf"),
        ("plan.xls", b"\xd0\xcf\x11\xe0rest", ".xls"),
        ("plan.ods", b"PK\x03\x04rest", ".ods"),
        ("plan.xlsx", b"not a zip at all", "not a valid .xlsx"),
    ],
)
def test_unknown_or_unsupported_file_types_are_refused(filename, content, expected):
    assert expected in only_problem(read(content, filename)).message


def test_unknown_and_missing_columns_are_reported_against_the_header():
    result = read(b"nmae,count,colour\r\nA,1,red\r\n", required=("name", "count"))

    assert result.table is None
    assert {(p.row, p.column, p.message) for p in result.problems} == {
        (1, "nmae", "Unknown column; did you mean name?"),
        (1, "colour", "Unknown column."),
        (1, "name", "Missing required column."),
    }


def test_values_outside_the_named_columns_are_reported():
    result = read(b"name,count\r\nA,1,stray\r\n")
    assert [(p.row, p.column) for p in result.problems] == [(2, "C")]


def xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_first_sheet_is_read_with_numbers_as_text():
    result = read(
        xlsx([["name", "count"], ["A", 3], ["B", 2.5], [None, None], ["C", 4.0]]), "x.xlsx"
    )

    assert result.problems == []
    assert [(row.number, row.values["count"]) for row in result.table.rows] == [
        (2, "3"),
        (3, "2.5"),
        (5, "4"),
    ]


def test_xlsx_formula_cells_are_refused_with_row_and_column():
    result = read(xlsx([["name", "count"], ["A", 1], ["B", "=A2+1"]]), "x.xlsx")

    assert [(p.row, p.column) for p in result.problems] == [(3, "count")]
    assert "formulas are not allowed; paste values" in result.problems[0].message.lower()
    assert "B3" in result.problems[0].message


@pytest.mark.parametrize("text", ["=1+1", "+31 70", "-x", "@SUM(A1)", "\tx", "\rx", "'=x", "''+y"])
def test_formula_like_text_is_escaped_and_unescaped_exactly(text):
    escaped = escape_cell(text)
    assert escaped.startswith("'")
    assert unescape_cell(escaped) == text


@pytest.mark.parametrize("text", ["plain", "'quoted'", "1.1", "", "a=b"])
def test_ordinary_text_is_left_alone(text):
    assert escape_cell(text) == text
    assert unescape_cell(text) == text


def test_csv_export_escapes_formulas_in_text_but_not_negative_numbers():
    content = write_table(
        COLUMNS,
        [
            {"name": '=HYPERLINK("http://evil")', "count": -5, "note": "-5"},
            {"name": "@cmd", "count": Decimal("-2.50"), "note": "+x"},
        ],
        CSV,
    )
    lines = content.decode("utf-8-sig").splitlines()

    assert lines[1] == '"\'=HYPERLINK(""http://evil"")",-5,\'-5'
    assert lines[2] == "'@cmd,-2.5,'+x"
    back = read(content)
    assert [row.values for row in back.table.rows] == [
        {"name": '=HYPERLINK("http://evil")', "count": "-5", "note": "-5"},
        {"name": "@cmd", "count": "-2.5", "note": "+x"},
    ]


def test_xlsx_export_never_writes_a_formula_and_reads_back_the_same_text():
    content = write_table(COLUMNS, [{"name": "=1+1", "count": 7, "note": "-3"}], XLSX)

    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    assert [cell.data_type for cell in sheet[2]] == ["s", "n", "s"]
    assert read(content, "x.xlsx").table.rows[0].values == {
        "name": "=1+1",
        "count": "7",
        "note": "-3",
    }


def test_xlsx_percentage_formatted_numbers_are_refused():
    workbook = openpyxl.Workbook()
    workbook.active.append(["name", "count"])
    workbook.active.append(["A", 0.3])
    workbook.active["B2"].number_format = "0%"
    buffer = io.BytesIO()
    workbook.save(buffer)

    problem = only_problem(read(buffer.getvalue(), "x.xlsx"))

    assert (problem.row, problem.column) == (2, "count")
    assert "30, not 30%" in problem.message
