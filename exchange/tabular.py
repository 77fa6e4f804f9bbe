"""Spreadsheets in and out: CSV (UTF-8) and XLSX, as rows of text cells with their row numbers.

Reading never raises on a bad file: it returns the problems found, each with the spreadsheet row
(the header is row 1) and column, so that people can find and fix them. Writing escapes text
that a spreadsheet would take for a formula; reading undoes exactly that escape.
"""

import codecs
import csv
import datetime
import difflib
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.utils.translation import gettext as _

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MAX_ROWS = 50_000

# A cell starting with one of these is run as a formula by spreadsheet programs (OWASP "CSV
# injection"). Text is written with a leading apostrophe; one more apostrophe is added to text
# that already looks escaped, so that reading back gives exactly the original text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED = re.compile(r"^'+[=+\-@\t\r]")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


@dataclass(frozen=True)
class Problem:
    """Something wrong with the file, at a spreadsheet row and column where known."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else str(self.message)


@dataclass
class Row:
    number: int
    values: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass
class Table:
    columns: list[str]
    rows: list[Row]


@dataclass
class ReadResult:
    table: Table | None
    problems: list[Problem] = field(default_factory=list)


def escape_cell(text: str) -> str:
    """Text as written to a spreadsheet: formula-like text gets a leading apostrophe."""
    if text and (text.startswith(FORMULA_TRIGGERS) or _ESCAPED.match(text)):
        return "'" + text
    return text


def unescape_cell(text: str) -> str:
    return text[1:] if _ESCAPED.match(text) else text


def normalise_header(value: Any) -> str:
    text = "" if value is None else str(value)
    return re.sub(r"[\s\-]+", "_", text.replace("\ufeff", "").strip().lower())


def detect_format(content: bytes, filename: str) -> tuple[str | None, Problem | None]:
    suffix = PurePath(filename or "").suffix.lower()
    if suffix == ".xls" or content.startswith(_OLE_MAGIC):
        return None, Problem(
            None,
            None,
            _(
                "Old Excel 97-2003 (.xls) files are not supported; save the file as .xlsx "
                "or CSV UTF-8."
            ),
        )
    if suffix == ".ods":
        return None, Problem(
            None,
            None,
            _("OpenDocument (.ods) files are not supported; save the file as .xlsx or CSV UTF-8."),
        )
    if content.startswith(_ZIP_MAGIC) or suffix == ".xlsx":
        return XLSX, None
    if suffix in (".csv", ".txt", ""):
        return CSV, None
    return None, Problem(
        None,
        None,
        _("Unknown file type %(suffix)s: use a .csv (UTF-8) or .xlsx file.") % {"suffix": suffix},
    )


def read_table(
    content: bytes,
    filename: str,
    *,
    known_columns: Sequence[str],
    required_columns: Iterable[str],
) -> ReadResult:
    """Read a CSV or XLSX file into rows keyed by (normalised) column name.

    Fully empty rows are skipped. Cells are text with surrounding spaces removed and the
    formula escape undone.
    """
    if not content or not content.strip(b" \t\r\n\x00" + codecs.BOM_UTF8):
        return ReadResult(None, [Problem(None, None, _("The file is empty."))])
    fmt, problem = detect_format(content, filename)
    if problem:
        return ReadResult(None, [problem])
    records, problems = _read_csv(content) if fmt == CSV else _read_xlsx(content)
    if problems:
        return ReadResult(None, problems)
    return _to_table(records, known_columns, required_columns)


# A record is (row number, cells); a cell is text, or a Problem found in that cell.
Record = tuple[int, list[str]]


def _read_csv(content: bytes) -> tuple[list[Record], list[Problem]]:
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return [], [
            Problem(
                None,
                None,
                _(
                    "The file is UTF-16 text (Excel's “Unicode text”). Save the file "
                    "as “CSV UTF-8 (comma delimited)” and try again."
                ),
            )
        ]
    if content.startswith(codecs.BOM_UTF8):
        content = content[len(codecs.BOM_UTF8) :]
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        return [], [
            Problem(
                line,
                None,
                _(
                    "The file is not valid UTF-8 text (probably Windows-1252 or Latin-1). Save "
                    "the file as “CSV UTF-8 (comma delimited)” and try again."
                ),
            )
        ]
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[Record] = []
    try:
        for number, cells in enumerate(reader, start=1):
            if number > MAX_ROWS + 1:
                return [], [Problem(None, None, _too_many_rows())]
            records.append((number, cells))
    except csv.Error as exc:
        return [], [
            Problem(
                reader.line_num, None, _("The CSV file cannot be read: %(error)s") % {"error": exc}
            )
        ]
    return records, []


def _read_xlsx(content: bytes) -> tuple[list[Record], list[Problem]]:
    import openpyxl
    from openpyxl.utils import get_column_letter

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), data_only=False)
    except Exception:  # openpyxl raises many kinds of errors on damaged files
        return [], [
            Problem(
                None, None, _("The file is not a valid .xlsx workbook; save it again as .xlsx.")
            )
        ]
    if not workbook.worksheets:
        return [], [Problem(None, None, _("The file is empty."))]
    sheet = workbook.worksheets[0]
    if sheet.max_row > MAX_ROWS + 1:
        return [], [Problem(None, None, _too_many_rows())]
    records: list[Record] = []
    problems: list[Problem] = []
    header: list[str] = []
    for cells in sheet.iter_rows():
        if not cells:
            continue
        number = cells[0].row
        values = []
        for index, cell in enumerate(cells):
            column = (header[index] if index < len(header) else "") or get_column_letter(index + 1)
            if cell.data_type == "f":
                problems.append(
                    Problem(
                        number,
                        column,
                        _("Formulas are not allowed; paste values (cell %(cell)s).")
                        % {"cell": cell.coordinate},
                    )
                )
                values.append("")
            elif cell.data_type == "e":
                problems.append(
                    Problem(
                        number,
                        column,
                        _("The cell shows an error (%(error)s); enter a value (cell %(cell)s).")
                        % {"error": cell.value, "cell": cell.coordinate},
                    )
                )
                values.append("")
            elif (
                isinstance(cell.value, int | float | Decimal)
                and not isinstance(cell.value, bool)
                and "%" in (cell.number_format or "")
            ):
                # 30% is stored as 0.3: refuse rather than import a hundredfold error.
                problems.append(
                    Problem(
                        number,
                        column,
                        _(
                            "The cell is formatted as a percentage; type the number without %% "
                            "(30, not 30%%) in a cell formatted as a number (cell %(cell)s)."
                        )
                        % {"cell": cell.coordinate},
                    )
                )
                values.append("")
            else:
                values.append(_cell_text(cell.value))
        if not header:
            header = [normalise_header(value) for value in values]
        records.append((number, values))
    if not problems and not any(any(v.strip() for v in cells) for _n, cells in records):
        problems.append(Problem(None, None, _("The file is empty.")))
    return records, problems


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _too_many_rows() -> str:
    return _("The file has more than %(max)s rows; split it into smaller files.") % {
        "max": MAX_ROWS
    }


def _to_table(
    records: list[Record], known_columns: Sequence[str], required_columns: Iterable[str]
) -> ReadResult:
    from openpyxl.utils import get_column_letter

    header_number, header_cells = records[0]
    names = [normalise_header(unescape_cell(cell)) for cell in header_cells]
    data = records[1:]
    problems: list[Problem] = []
    known = set(known_columns)
    seen: set[str] = set()
    for index, name in enumerate(names):
        if not name:
            if any(index < len(cells) and cells[index].strip() for _n, cells in data):
                problems.append(
                    Problem(
                        header_number,
                        get_column_letter(index + 1),
                        _("This column has values but no name in the first row."),
                    )
                )
            continue
        if name in seen:
            problems.append(Problem(header_number, name, _("The column appears more than once.")))
        seen.add(name)
        if name not in known:
            message = _("Unknown column.")
            close = difflib.get_close_matches(name, known_columns, n=1)
            if close:
                message = _("Unknown column; did you mean %(name)s?") % {"name": close[0]}
            problems.append(Problem(header_number, name, message))
    for name in required_columns:
        if name not in seen:
            problems.append(Problem(header_number, name, _("Missing required column.")))

    rows: list[Row] = []
    for number, cells in data:
        cleaned = [unescape_cell(cell).strip() for cell in cells]
        if not any(cleaned):
            continue
        for index in range(len(names), len(cleaned)):
            if cleaned[index]:
                problems.append(
                    Problem(
                        number,
                        get_column_letter(index + 1),
                        _("This cell is outside the named columns."),
                    )
                )
        values = {
            name: (cleaned[index] if index < len(cleaned) else "")
            for index, name in enumerate(names)
            if name
        }
        rows.append(Row(number, values))
    if not problems and not rows:
        problems.append(Problem(None, None, _("The file has column names but no data rows.")))
    if problems:
        return ReadResult(None, problems)
    return ReadResult(Table([name for name in names if name], rows))


def write_table(
    columns: Sequence[str], rows: Iterable[Mapping[str, Any]], fmt: str, *, title: str = "data"
) -> bytes:
    """Write rows as CSV (UTF-8 with a byte-order mark, for Excel) or XLSX.

    Numbers (int, Decimal) are written as numbers; all other values as escaped text.
    """
    if fmt == CSV:
        return _write_csv(columns, rows)
    if fmt == XLSX:
        return _write_xlsx(columns, rows, title)
    raise ValueError(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}.")


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format_decimal(value)
    return escape_cell(str(value))


def format_decimal(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def _write_csv(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row.get(column)) for column in columns])
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def _write_xlsx(columns: Sequence[str], rows: Iterable[Mapping[str, Any]], title: str) -> bytes:
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        values = []
        for column in columns:
            value = row.get(column)
            if value is None:
                values.append(None)
            elif isinstance(value, bool):
                values.append("true" if value else "false")
            elif isinstance(value, int):
                values.append(value)
            elif isinstance(value, Decimal):
                values.append(int(value) if value == value.to_integral_value() else value)
            else:
                values.append(ILLEGAL_CHARACTERS_RE.sub("", escape_cell(str(value))) or None)
        sheet.append(values)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(column) + 4))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
