"""Laying out a large report in parts, so that memory stays bounded.

WeasyPrint keeps every laid-out page of a document in memory until its PDF is written, about
1 MB a page of the annex (mostly Pango's text layouts): a 2 000-page report would need 2 GB.
A report whose texts exceed `CHUNK_CHARS` is therefore laid out in parts of whole
organisations (or sections and goals in the goal layout), which start on a new page in the
single document too, and the parts' PDFs are joined into one tagged PDF:

1. Every part is laid out once, layout only, to count its pages and find where its headings
   fall.
2. Each part is then laid out again with its pages numbered from where the previous part
   ended and with the report's total ("page x of y"); the front part (cover, contents,
   letter, annex title and the first organisation) prints the contents' page numbers. The
   part is written as PDF/UA-1 (the front part, with the contents, a few pages at a time)
   and its pages are dropped: one part's pages at a time are in memory.
3. Each part's PDF is copied into the joined file as soon as it is written
   (`reports.pdfjoin.StreamingJoin`, one part in memory at a time): pages, structure tree
   (every part's elements under one Document element, the lines' elements folded into their
   parents, the parent tree renumbered), named destinations and the contents' links; one
   outline is built from all parts' headings the way WeasyPrint builds it for one document.

The result has the text, page numbers, contents, outline, tags and metadata of the single
document (`tests/test_reports_chunked.py` compares them on the demo report).
"""

from __future__ import annotations

import ctypes
import dataclasses
import gc
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.utils.translation import gettext as _

from .context import Report

logger = logging.getLogger(__name__)

# About 100 pages of annex per part (some 100 MB while it is laid out): 300 000 characters of
# text. The 10x benchmark report (225 pages) has 700 000.
CHUNK_CHARS = 300_000
# The contents' links point at headings in other parts: WeasyPrint would drop a link to an
# anchor missing from its document, so they are written as URIs of this scheme and turned into
# links to named destinations when the parts are joined.
LINK_SCHEME = "nap-anchor:"
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1"}
# Pages of the front part written to one PDF at a time (see render_parts).
FRONT_WRITE_PAGES = 20

try:  # glibc's; elsewhere the freed memory simply stays with the process
    _malloc_trim = ctypes.CDLL(None).malloc_trim
except (AttributeError, OSError):
    _malloc_trim = None


@dataclass
class Part:
    front: bool
    groups: dict  # the template's organisations, sections and goals for this part
    size: int
    first_page: int = 1
    total_pages: str = ""
    toc_pages: dict = field(default_factory=dict)  # anchor -> printed page number
    link_scheme: str = LINK_SCHEME
    pages: int = 0
    anchors: dict = field(default_factory=dict)  # anchor -> page index within the part


def text_size(value) -> int:
    """Roughly how much HTML a piece of the report becomes: the length of its texts."""
    if isinstance(value, str):
        return len(value)
    if dataclasses.is_dataclass(value):
        return 40 + sum(text_size(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, list | tuple):
        return sum(text_size(item) for item in value)
    return 8


def split(report: Report, chunk_chars: int = CHUNK_CHARS) -> list[Part]:
    """The report's parts; one part when it is small. Parts end where the single document
    breaks the page anyway: between organisations, or between sections and goals."""
    if report.layout == "organisation":
        groups = [("organisations", item) for item in report.organisations]
    else:
        groups = [("sections", item) for item in report.sections]
        groups += [("goals", item) for item in report.goals]
    # The first group stays with the front matter: it starts on the annex title's page. The
    # contents count too: a large report's run to thousands of lines.
    from .render import table_of_contents

    front = text_size(report.letter) + text_size(table_of_contents(report))
    parts = [Part(front=True, groups={}, size=front)]
    for kind, item in groups:
        size = text_size(item)
        if parts[-1].groups and parts[-1].size + size > chunk_chars:
            parts.append(Part(front=False, groups={}, size=0))
        parts[-1].groups.setdefault(kind, []).append(item)
        parts[-1].size += size
    for part in parts:
        for kind in ("organisations", "sections", "goals"):
            part.groups.setdefault(kind, [])
    return parts


def _layout(html: str):
    from weasyprint import HTML

    from .render import url_fetcher

    return HTML(string=html, base_url="file:///", url_fetcher=url_fetcher()).render(**PDF_OPTIONS)


def render_parts(
    report: Report,
    parts: list[Part],
    *,
    identifier: bytes,
    progress: Callable[[int, str], None] | None = None,
) -> bytes:
    from .render import render_html

    progress = progress or (lambda percent, step: None)
    # 1. Count every part's pages and place its headings (the front part with a placeholder
    # as wide as the real page numbers will be).
    for number, part in enumerate(parts[1:], start=1):
        progress(35 + 25 * number // len(parts), _("Laying out the pages"))
        _measure(part, render_html(report, part))
    body_pages = sum(part.pages for part in parts[1:])
    placeholder = "8" * len(str(body_pages + 10 * len(report.organisations or report.goals) + 9))
    parts[0].toc_pages = dict.fromkeys(_toc_anchors(report), placeholder)
    _measure(parts[0], render_html(report, parts[0]))

    # 2. Lay out each part for good and write it. The front part first: should its real page
    # numbers change its length, everything after it moves, so it is measured until stable.
    for _attempt in range(3):
        _number(parts)
        document = _layout(render_html(report, parts[0]))
        if len(document.pages) == parts[0].pages:
            break
        parts[0].pages, parts[0].anchors = len(document.pages), _anchors(document)
    joined, outline_pages = PartJoin(), []
    for number, part in enumerate(parts):
        if number:
            progress(60 + 35 * number // len(parts), _("Laying out the pages"))
            document = _layout(render_html(report, part))
        if len(document.pages) != part.pages:  # layout is deterministic; never seen
            raise RuntimeError("A part of the report changed length between two layouts.")
        outline_pages += [
            SimpleNamespace(height=page.height, bookmarks=page.bookmarks) for page in document.pages
        ]
        # Writing holds every page's drawing and tags until the file is done, and a large
        # report's front part carries thousands of lines of contents, so it is written a few
        # pages at a time (each batch a PDF of its own, joined like the parts).
        batch = FRONT_WRITE_PAGES if part.front else len(document.pages)
        for start in range(0, len(document.pages), batch):
            pages = document.copy(document.pages[start : start + batch])
            joined.add(pages.write_pdf(**PDF_OPTIONS, pdf_identifier=identifier))
            del pages
            _release_memory()
        del document
        _release_memory()
    return joined.finish(outline_pages)


def _release_memory() -> None:
    """Free the layout's reference cycles and hand the freed memory back to the system
    (glibc keeps it otherwise), so that the next part and the join start from a lower base."""
    gc.collect()
    if _malloc_trim is not None:
        _malloc_trim(0)


def _anchors(document) -> dict:
    anchors = {}
    for index, page in enumerate(document.pages):
        for name in page.anchors:
            anchors.setdefault(name, index)
    return anchors


def _measure(part: Part, html: str) -> None:
    document = _layout(html)
    part.pages, part.anchors = len(document.pages), _anchors(document)
    del document
    _release_memory()


def _toc_anchors(report: Report) -> list[str]:
    from .render import table_of_contents

    return [item.anchor for item in table_of_contents(report)]


def _number(parts: list[Part]) -> None:
    """Each part's first page number, the total, and the contents' page numbers."""
    total = sum(part.pages for part in parts)
    first = 1
    pages = {}
    for part in parts:
        part.first_page = first
        part.total_pages = str(total)
        for name, index in part.anchors.items():
            pages.setdefault(name, str(first + index))
        first += part.pages
    parts[0].toc_pages = {name: pages.get(name, "") for name in parts[0].toc_pages}


# -- joining the parts' PDFs ----------------------------------------------------------------------


class PartJoin:
    """The parts' PDFs joined as they are written (`reports.pdfjoin`): each part's lines'
    elements folded, its table IDs made unique and its contents' links pointed at the named
    destinations before it is copied, so one part at a time is in memory."""

    def __init__(self):
        from .pdfjoin import StreamingJoin

        self.output = StreamingJoin()
        self.count = 0

    def add(self, data: bytes) -> None:
        import pikepdf

        with pikepdf.open(io.BytesIO(data)) as pdf:
            fold_lines(pdf)
            _prefix_table_ids(pdf, f"p{self.count}-")
            _link_contents(pdf)
            self.output.add(pdf)
        self.count += 1

    def finish(self, outline_pages: list) -> bytes:
        from weasyprint.document import Document

        tree = Document.make_bookmark_tree(SimpleNamespace(pages=outline_pages), 0.75, True)
        return self.output.finish(tree)


def fold_pdf(data: bytes) -> bytes:
    """A PDF written by WeasyPrint with its lines' structure elements folded (`fold_lines`)."""
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        fold_lines(pdf)
        buffer = io.BytesIO()
        pdf.save(
            buffer,
            compress_streams=True,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
            deterministic_id=True,
        )
        return buffer.getvalue()


# The keys of the element WeasyPrint makes for every piece of text on a line.
LINE_KEYS = frozenset({"/Type", "/S", "/K", "/P", "/Pg"})


def fold_lines(pdf) -> int:
    """Fold the structure element WeasyPrint writes for every piece of text on a line (a
    `Span` whose only kid is the text's marked content) into its parent: the parent (a `P`,
    heading, list body, cell...) takes the marked content itself, and the parent tree maps it
    to the parent. The tag tree keeps every element the HTML made, `span` elements too, and
    loses some 55% of its objects, which makes joining the parts of a large report cheaper.
    Returns how many elements were folded."""
    import pikepdf

    span = pikepdf.Name.Span
    root = pdf.Root.StructTreeRoot
    folded: dict[tuple[int, int], pikepdf.Object] = {}  # line element -> its parent
    stack = list(root.K) if isinstance(root.K, pikepdf.Array) else [root.K]
    while stack:
        element = stack.pop()
        kids = element.get("/K")
        if not isinstance(kids, pikepdf.Array):
            if isinstance(kids, pikepdf.Dictionary) and kids.get("/Type") != "/OBJR":
                stack.append(kids)
            continue
        page = element.get("/Pg")
        items, changed = [], False
        for kid in kids:
            if not isinstance(kid, pikepdf.Dictionary) or kid.get("/Type") in ("/OBJR", "/MCR"):
                items.append(kid)
                continue
            content = kid.get("/K")
            if (
                kid.get("/S") == span
                and kid.is_indirect
                and isinstance(content, pikepdf.Array)
                and all(isinstance(mcid, int) for mcid in content)
                and set(kid.keys()) <= LINE_KEYS
            ):
                same_page = page is not None and kid.Pg.objgen == page.objgen
                for mcid in content:
                    if same_page:
                        items.append(mcid)
                    else:  # never seen: WeasyPrint makes an element per page
                        mcr = pikepdf.Dictionary(Type=pikepdf.Name.MCR, Pg=kid.Pg, MCID=mcid)
                        items.append(mcr)
                folded[kid.objgen] = element
                changed = True
            else:
                items.append(kid)
                stack.append(kid)
        if changed:
            element.K = pikepdf.Array(items)
    if folded:
        nums = root.ParentTree.Nums
        for index in range(1, len(nums), 2):
            mapping = nums[index]
            if isinstance(mapping, pikepdf.Array) and any(
                item.objgen in folded for item in mapping
            ):
                nums[index] = pikepdf.Array(folded.get(item.objgen, item) for item in mapping)
    return len(folded)


def _prefix_table_ids(pdf, prefix: str) -> None:
    """WeasyPrint names table header cells after the table's object number, which the parts'
    PDFs repeat: prefix a part's IDs (and the cells' references to them) to keep them unique."""
    import pikepdf

    stack = list(pdf.Root.StructTreeRoot.K[0].K)
    while stack:
        element = stack.pop()
        if not isinstance(element, pikepdf.Dictionary) or "/S" not in element:
            continue
        kind = element.S
        if kind == "/TH" and "/ID" in element:
            element.ID = pikepdf.String(prefix + str(element.ID))
        if kind in ("/TH", "/TD") and "/A" in element and "/Headers" in element.A:
            element.A.Headers = pikepdf.Array(
                pikepdf.String(prefix + str(header)) for header in element.A.Headers
            )
        kids = element.get("/K")
        if isinstance(kids, pikepdf.Array):
            stack.extend(kids)
        elif isinstance(kids, pikepdf.Dictionary):
            stack.append(kids)


def _link_contents(out) -> None:
    """The contents' links, written as URIs, become links to the named destinations."""
    import pikepdf

    for page in out.pages:
        for annotation in page.obj.get("/Annots", []):
            action = annotation.get("/A")
            uri = str(action.get("/URI", "")) if action is not None else ""
            if uri.startswith(LINK_SCHEME):
                name = uri[len(LINK_SCHEME) :]
                del annotation["/A"]
                annotation.Dest = pikepdf.String(name)
                annotation.Contents = pikepdf.String(name)
