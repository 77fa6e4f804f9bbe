"""Downloads of exactly the filtered entries (every page, not only the one shown).

The rows come from one database query: entries joined to their values, read as a stream, so a
download costs the same number of queries and little memory whatever its size.

Long format: one row per entry and category. Each entry has a total row (category empty; the
value empty when no total was reported, e.g. for a qualitative indicator) followed by a row per
reported disaggregation category. Texts are in the language of the URL, falling back to the
plan's language (the `narrative_language` column says which); the narrative is plain text.

CSV and XLSX have the columns in `COLUMNS`; JSON has the same data nested per entry:
`{"language": "en", "columns": [...], "entries": [{...entry columns..., "values":
[{"category": null, "category_name": "", "value": "12"}, ...]}]}` with values as strings
(exact decimals).
"""

import codecs
import csv
import html
import json
import re
import tempfile
from collections.abc import Iterator
from decimal import Decimal

from django.conf import settings
from django.db.models import F, QuerySet
from django.http import FileResponse, Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from exchange.tabular import escape_cell, format_decimal
from indicators.i18n import active_language
from reporting.models import ENTRY_ORDER

from .filters import EntryFilter, published_entries

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
FORMATS = ("csv", "xlsx", "json")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}

ENTRY_COLUMNS = [
    "entry_id",
    "plan",
    "year",
    "goal",
    "goal_title",
    "subgoal",
    "indicator",
    "indicator_text",
    "indicator_kind",
    "unit",
    "currency",
    "organisation",
    "organisation_name",
    "not_reported",
    "narrative",
    "narrative_language",
]
VALUE_COLUMNS = ["category", "category_name", "value"]
# The entry columns, then the value columns, then the narrative last (long text at the end).
COLUMNS = [
    *(c for c in ENTRY_COLUMNS if not c.startswith("narrative")),
    *VALUE_COLUMNS,
    "narrative",
    "narrative_language",
]

_TRANSLATED = {
    "narrative": "narrative",
    "goal_title": "goal__title",
    "subgoal_title": "subgoal__title",
    "indicator_text": "indicator__text",
    "unit": "indicator__unit",
    "organisation_name": "organisation__name",
    "category_name": "values__category__label",
}
_PLAIN = {
    "entry_id": "pk",
    "plan": "round__plan__slug",
    "plan_language": "round__plan__language",
    "year": "round__year",
    "goal": "goal__number",
    "subgoal": "subgoal__number",
    "indicator": "indicator__code",
    "indicator_kind": "indicator__kind",
    "currency": "currency",
    "organisation": "organisation__slug",
    "not_reported": "not_reported",
    "category": "values__category__code",
    "value": "values__value",
}
_BLOCK_END = re.compile(r"</(p|li|h[1-6]|blockquote)>|<br\s*/?>", re.IGNORECASE)


def plain_text(value: str) -> str:
    """HTML narrative as plain text: paragraphs on their own lines, entities decoded."""
    if not value:
        return ""
    text = html.unescape(strip_tags(_BLOCK_END.sub("\n", value)))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _pick(record: dict, source: str, language: str, fallback: str) -> tuple[str, str]:
    """The text in `language`, else the plan's language, else any; and the language used."""
    for code in dict.fromkeys((language, fallback, *LANGUAGE_CODES)):
        value = record.get(f"{source}_{code}")
        if value:
            return value, code
    return "", language


def _records(queryset: QuerySet) -> Iterator[dict]:
    """One database row per entry and reported value (or one row for an entry without values),
    total first, then the categories in their order."""
    names = list(_PLAIN.values()) + [
        f"{source}_{code}" for source in _TRANSLATED.values() for code in LANGUAGE_CODES
    ]
    rows = (
        queryset.order_by(
            *ENTRY_ORDER,
            F("values__category__position").asc(nulls_first=True),
            "values__category__code",
        )
        .values(*names)
        .iterator(chunk_size=500)
    )
    yield from rows


def entry_rows(queryset: QuerySet, language: str) -> Iterator[dict]:
    """The long-format rows (dicts keyed by `COLUMNS`) of the entries in `queryset`."""
    current = None
    for record in _records(queryset):
        fallback = record["round__plan__language"]
        if record["pk"] != current:
            current = record["pk"]
            narrative, narrative_language = _pick(record, "narrative", language, fallback)
            base = {
                "entry_id": record["pk"],
                "plan": record["round__plan__slug"],
                "year": record["round__year"],
                "goal": record["goal__number"],
                "goal_title": _pick(record, "goal__title", language, fallback)[0],
                "subgoal": record["subgoal__number"] or "",
                "indicator": record["indicator__code"] or "",
                "indicator_text": _pick(record, "indicator__text", language, fallback)[0],
                "indicator_kind": record["indicator__kind"] or "",
                "unit": _pick(record, "indicator__unit", language, fallback)[0],
                "currency": record["currency"],
                "organisation": record["organisation__slug"],
                "organisation_name": _pick(record, "organisation__name", language, fallback)[0],
                "not_reported": record["not_reported"],
                "narrative": plain_text(narrative),
                "narrative_language": narrative_language if narrative else "",
            }
            if record["values__category__code"] is not None:
                # No total reported: the entry still gets its total row, with an empty value.
                yield {**base, "category": "", "category_name": "", "value": None}
        yield {
            **base,
            "category": record["values__category__code"] or "",
            "category_name": _pick(record, "values__category__label", language, fallback)[0]
            if record["values__category__code"]
            else "",
            "value": record["values__value"],
        }


# --- CSV --------------------------------------------------------------------------------------


class _Echo:
    def write(self, value):
        return value


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, int):
        return str(value)
    return escape_cell(str(value))


def csv_chunks(queryset: QuerySet, language: str) -> Iterator[str]:
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    # A byte-order mark, so that Excel reads the file as UTF-8.
    yield codecs.BOM_UTF8.decode("utf-8") + writer.writerow(COLUMNS)
    for row in entry_rows(queryset, language):
        yield writer.writerow([_csv_cell(row[column]) for column in COLUMNS])


# --- XLSX -------------------------------------------------------------------------------------


def _xlsx_cell(value):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, int):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", escape_cell(str(value))) or None


def write_xlsx(queryset: QuerySet, language: str, target) -> None:
    """Write the rows to `target` (a binary file) with openpyxl's write-only (streaming) mode."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title="entries")
    sheet.freeze_panes = "A2"
    sheet.append(COLUMNS)
    for row in entry_rows(queryset, language):
        sheet.append([_xlsx_cell(row[column]) for column in COLUMNS])
    workbook.save(target)


# --- JSON -------------------------------------------------------------------------------------


def _json_value(value):
    return format_decimal(value) if isinstance(value, Decimal) else value


def json_chunks(queryset: QuerySet, language: str) -> Iterator[str]:
    """Stream `{"language", "columns", "entries": [...]}`, one entry at a time."""
    head = json.dumps({"language": language, "columns": ENTRY_COLUMNS})
    yield head[:-1] + ', "entries": ['
    entry = None
    first = True
    for row in entry_rows(queryset, language):
        if entry is None or entry["entry_id"] != row["entry_id"]:
            if entry is not None:
                yield ("" if first else ",") + json.dumps(entry, ensure_ascii=False)
                first = False
            entry = {column: row[column] for column in ENTRY_COLUMNS}
            entry["values"] = []
        if row["value"] is not None or row["category"]:
            entry["values"].append(
                {
                    "category": row["category"] or None,
                    "category_name": row["category_name"],
                    "value": _json_value(row["value"]),
                }
            )
    if entry is not None:
        yield ("" if first else ",") + json.dumps(entry, ensure_ascii=False)
    yield "]}"


# --- The view ---------------------------------------------------------------------------------


@require_safe
def entries_download(request, fmt: str):
    """`/entries/download.<csv|xlsx|json>?<the entry page's filters>`."""
    if fmt not in FORMATS:
        raise Http404
    filterset = EntryFilter(request.GET, queryset=published_entries(), request=request)
    if not filterset.is_valid():
        lines = [_("The filters are not valid:"), *filterset.error_messages()]
        return HttpResponseBadRequest("\n".join(lines), content_type="text/plain; charset=utf-8")
    queryset = filterset.qs
    language = active_language()
    filename = f"nap1325-entries-{language}.{fmt}"
    if fmt == "xlsx":
        # Write-only openpyxl streams rows to a temporary file; the response streams that file.
        # FileResponse closes (and so deletes) the file once it is sent.
        target = tempfile.TemporaryFile()  # noqa: SIM115
        write_xlsx(queryset, language, target)
        target.seek(0)
        return FileResponse(
            target, as_attachment=True, filename=filename, content_type=CONTENT_TYPES[fmt]
        )
    chunks = csv_chunks(queryset, language) if fmt == "csv" else json_chunks(queryset, language)
    response = StreamingHttpResponse(chunks, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
