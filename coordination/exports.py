"""The completeness dashboard as CSV and XLSX: every table of the page, in the page's order.

Both formats write `Dashboard.all_tables()`, the same tables the HTML page renders, so a
download never differs from what the coordinator saw.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from .selectors import Dashboard, Table

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# Spreadsheet programs run a cell starting with one of these as a formula ("CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A CSV cell: text that could be taken for a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_TRIGGERS) else value
    return str(value)


def to_csv(dashboard: Dashboard) -> bytes:
    """Each table under its title, tables separated by an empty line; UTF-8 with a BOM so
    spreadsheet programs read the accents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for number, table in enumerate(dashboard.all_tables()):
        if number:
            writer.writerow([])
        writer.writerow([safe_cell(table.title)])
        for row in table.as_lists():
            writer.writerow([safe_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _sheet_title(table: Table, used: set[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\ and unique within the workbook.
    title = "".join(ch for ch in table.title if ch not in "[]:*?/\\")[:31] or "Sheet"
    candidate, n = title, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate = title[: 31 - len(suffix)] + suffix
        n += 1
    used.add(candidate.lower())
    return candidate


def to_xlsx(dashboard: Dashboard) -> bytes:
    """One worksheet per table: a title row, then the table with its header in bold.

    openpyxl writes text cells as strings, never as formulas, unless they start with "=":
    those are stored as strings explicitly too.
    """
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for table in dashboard.all_tables():
        sheet = workbook.create_sheet(_sheet_title(table, used))
        sheet.append([table.title])
        sheet.cell(row=1, column=1).font = Font(bold=True, size=13)
        for row in table.as_lists():
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        if table.footer is not None:
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)
        sheet.column_dimensions["A"].width = 45
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render(dashboard: Dashboard, export: str) -> tuple[bytes, str]:
    content = to_csv(dashboard) if export == CSV else to_xlsx(dashboard)
    return content, CONTENT_TYPES[export]
