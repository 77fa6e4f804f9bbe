"""Turning a report context (reports.context.Report) into HTML, PDF and Word documents."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from .context import Report

FORMATS = ("html", "pdf", "docx")
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
STYLESHEET = "reports/report.css"
# The contents' dotted leader, set in the template: part of the documents' look.
LEADER_IMAGE = "reports/leader.svg"
TEMPLATE = "reports/document.html"


@dataclass
class TocItem:
    level: int
    anchor: str
    label: str
    page: str = ""  # a chunked PDF prints the number itself (see reports.chunked)


def table_of_contents(report: Report) -> list[TocItem]:
    items = []
    if report.letter:
        items.append(TocItem(1, "letter", _("Letter to parliament")))
    items.append(TocItem(1, "annex", report.annex_title))
    if report.layout == "organisation":
        for organisation in report.organisations:
            items.append(TocItem(2, organisation.anchor, organisation.name.text))
            for goal in organisation.goals:
                items.append(TocItem(3, goal.anchor, goal_heading(goal)))
    else:
        for section in report.sections:
            items.append(TocItem(2, section.anchor, section.title.text))
        for goal in report.goals:
            items.append(TocItem(2, goal.anchor, goal_heading(goal)))
            for subgoal in goal.subgoals:
                items.append(TocItem(3, subgoal.anchor, subgoal_heading(subgoal)))
    return items


def goal_heading(goal) -> str:
    """Short enough for the table of contents: the full titles are long sentences."""
    label = _("Strategic goal %(number)s") % {"number": goal.number}
    return f"{label} · {goal.pillar_label}" if goal.pillar_label else label


def subgoal_heading(subgoal) -> str:
    return _("Subgoal %(number)s") % {"number": subgoal.number}


@functools.cache
def _stylesheet() -> str:
    path = finders.find(STYLESHEET)
    return Path(path).read_text(encoding="utf-8")


def renderer_version() -> str:
    """Changes whenever the look of the documents changes, so cached documents are redone."""
    digest = hashlib.sha256(_stylesheet().encode())
    digest.update(Path(finders.find(LEADER_IMAGE)).read_bytes())
    for name in (
        "document.html",
        "_goal.html",
        "_indicator.html",
        "_content.html",
        "_values.html",
        "_narrative.html",
    ):
        digest.update((Path(__file__).parent / "templates" / "reports" / name).read_bytes())
    digest.update((Path(__file__).parent / "docx.py").read_bytes())
    digest.update((Path(__file__).parent / "chunked.py").read_bytes())
    digest.update((Path(__file__).parent / "pdfjoin.py").read_bytes())
    return digest.hexdigest()[:16]


def render_html(report: Report, part=None) -> str:
    """The whole report as one HTML document, or with `part` (a `reports.chunked.Part`) one
    part of it for a PDF laid out in parts."""
    with translation.override(report.language):
        draft_label = _("DRAFT")
        running_title = f"{report.plan_short_name} – {report.year}"
        if report.final:
            running_title = f"{report.plan_short_name} – {report.first_year}–{report.year}"
        context = {
            "report": report,
            "css": _stylesheet(),
            "toc": table_of_contents(report),
            "part": part,
            "organisations": report.organisations,
            "sections": report.sections,
            "goals": report.goals,
            "period": f"{report.first_year}–{report.year}" if report.final else str(report.year),
            "draft_label": draft_label,
            "running_title": running_title,
            "running_reference": (
                (_("Our reference") + " " + report.reference) if report.reference else ""
            ),
            "page_label": _("Page"),
            "of_label": _("of"),
        }
        if report.draft:
            context["running_reference"] = f"{draft_label} · {context['running_reference']}"
        if part is not None:
            context.update(part.groups)
            for item in context["toc"]:
                item.page = part.toc_pages.get(item.anchor, "")
        return render_to_string(TEMPLATE, context)


# -- PDF ---------------------------------------------------------------------------------------


def _static_path(url: str) -> Path | None:
    """The project's own static file a URL points at, or None."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    path = unquote(parts.path)
    prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    if not path.startswith(prefix):
        return None
    relative = path[len(prefix) :]
    if ".." in Path(relative).parts:
        return None
    found = finders.find(relative)
    if found:
        return Path(found)
    # In production `{% static %}` names the collected, hashed copy (manifest storage), which
    # only exists under STATIC_ROOT.
    try:
        collected = Path(staticfiles_storage.path(relative))
    except (NotImplementedError, SuspiciousFileOperation):
        return None
    return collected if collected.is_file() else None


def url_fetcher():
    """A WeasyPrint fetcher that serves the project's static files and refuses everything else:
    a report never reaches the network or the server's other files."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            path = _static_path(url)
            if path is None:
                raise ValueError(f"Refused to fetch {url}: only the portal's static files.")
            return URLFetcherResponse(url, path.read_bytes(), status=200)

    return StaticOnlyFetcher()


def render_pdf(
    report: Report,
    html: str | None = None,
    *,
    chunk_chars: int | None = None,
    progress=None,
) -> bytes:
    """The tagged PDF. A large report is laid out in parts and joined (reports.chunked), so
    memory stays bounded; `html`, the whole document's, serves a report of one part."""
    from weasyprint import HTML

    from .chunked import CHUNK_CHARS, PDF_OPTIONS, fold_pdf, render_parts, split

    identifier = hashlib.md5(report.fingerprint.encode(), usedforsecurity=False).digest()
    parts = split(report, CHUNK_CHARS if chunk_chars is None else chunk_chars)
    if len(parts) > 1:
        return render_parts(report, parts, identifier=identifier, progress=progress)
    if progress:
        progress(35, _("Laying out the pages"))
    html = html if html is not None else render_html(report)
    document = HTML(string=html, base_url="file:///", url_fetcher=url_fetcher())
    # The same tag tree as a report in parts: the lines' elements folded into their parents.
    return fold_pdf(document.write_pdf(**PDF_OPTIONS, pdf_identifier=identifier))


def render(report: Report, fmt: str) -> bytes:
    if fmt == "html":
        return render_html(report).encode("utf-8")
    if fmt == "pdf":
        return render_pdf(report)
    if fmt == "docx":
        from .docx import render_docx

        return render_docx(report)
    raise ValueError(f"Unknown format {fmt!r}")
