"""The PDF of the 2021 demo report: the annex's content in the annex's order, a tagged PDF with
metadata and bookmarks, shipped fonts, no network, and no WeasyPrint errors.

The demo PDF takes seconds to render, so it is rendered once for the module (the demo data is
the same in every test) and reused.
"""

import logging
import re
import subprocess
import zlib
from html import unescape
from pathlib import Path

import pytest
from django.utils.html import strip_tags

from indicators.models import Plan
from reporting.models import ProgressEntry
from reports.context import build_report
from reports.render import _static_path, render_html, render_pdf, url_fetcher
from tests.factories import EntryFactory
from tests.roles import build_world

pytestmark = pytest.mark.django_db

ORGANISATIONS = ["bz", "def", "jenv", "ocw"]
_rendered: dict = {}


def letters(text: str) -> str:
    return re.sub(r"[\W_]+", "", text).lower()


class Records(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def render_capturing(report, tmp_path: Path, name: str) -> tuple[Path, list]:
    handler = Records()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        pdf = render_pdf(report)
    finally:
        logger.removeHandler(handler)
    path = tmp_path / name
    path.write_bytes(pdf)
    return path, handler.records


@pytest.fixture
def demo_pdf(demo, tmp_path_factory):
    if "demo" not in _rendered:
        plan = Plan.objects.get(slug="nl-nap-iv")
        report = build_report(plan=plan, year=2021, layout="organisation", language="nl")
        _rendered["demo"] = (
            report,
            *render_capturing(report, tmp_path_factory.mktemp("pdf"), "demo.pdf"),
        )
    return _rendered["demo"]


def pdftotext(path: Path) -> list[str]:
    """The text of each page."""
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True)
    return out.stdout.split("\f")[:-1]


def body_text(pages: list[str]) -> str:
    """The pages without their running header and footer, normalised to letters and digits."""
    running = re.compile(r"^(NAP1325-IV – 2021|Onze referentie \S+|Pagina \d+ van \d+)$")
    lines = [
        line for page in pages for line in page.splitlines() if not running.match(line.strip())
    ]
    return letters(" ".join(lines))


def plain(html: str) -> str:
    return unescape(strip_tags(html.replace("</p>", " ").replace("</li>", " ")))


def test_pdf_holds_every_goal_subgoal_indicator_and_progress_text_in_the_annexs_order(demo_pdf):
    report, path, _records = demo_pdf
    text = body_text(pdftotext(path))
    annex = letters(report.annex_title)
    start = text.find(annex, text.find(annex) + 1)  # the heading, after the contents' line
    assert start > 0

    entries = list(
        ProgressEntry.objects.published()
        .for_year(2021)
        .select_related("organisation", "goal", "subgoal", "indicator")
        .in_report_order()
    )
    assert len(entries) == 48
    sections = []
    position = start
    for slug in ORGANISATIONS:
        name = letters(next(e.organisation.name_nl for e in entries if e.organisation.slug == slug))
        position = text.find(name, position)
        assert position > 0, slug
        sections.append(position)
    sections.append(len(text))

    checked = 0
    for number, slug in enumerate(ORGANISATIONS):
        section = text[sections[number] : sections[number + 1]]
        previous = -1
        for entry in (e for e in entries if e.organisation.slug == slug):
            for label, wanted in (
                ("goal", entry.goal.title_nl),
                ("subgoal", entry.subgoal.title_nl if entry.subgoal else ""),
                ("indicator", entry.indicator.text_nl if entry.indicator else ""),
            ):
                assert letters(wanted) in section, (slug, label, wanted[:60])
            words = plain(entry.narrative_nl) or entry.not_reported_reason_nl
            sentences = [s for s in re.split(r"(?<=[.;:])\s+", words) if len(letters(s)) >= 3]
            if not sentences:  # an entry with only references or values
                continue
            first = section.find(letters(sentences[0]), previous + 1)
            assert first > previous, (slug, entry.pk, sentences[0][:60])
            previous = first
            for sentence in sentences:
                assert letters(sentence) in section, (slug, entry.pk, sentence[:60])
                checked += 1
    assert checked > 300


def test_pdf_is_tagged_with_title_language_and_pdf_ua_identification(demo_pdf):
    report, path, _records = demo_pdf
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert f"Title:           {report.title}" in info
    assert "Tagged:          yes" in info
    meta = subprocess.run(["pdfinfo", "-meta", str(path)], capture_output=True, text=True).stdout
    assert 'pdfuaid:part="1"' in meta
    structure = subprocess.run(
        ["pdfinfo", "-struct", str(path)], capture_output=True, text=True
    ).stdout
    for tag in ("Document", "H1", "H2", "H3", "P", "L", "LI", "Table", "TH", "TD"):
        assert re.search(rf"^\s*{tag}\b", structure, re.M), tag
    raw = path.read_bytes()
    inflated = b"".join(
        zlib.decompress(stream)
        for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", raw, re.S)
        if stream[:1] == b"x"
    )
    assert b"/Lang (nl)" in raw + inflated


def test_bookmarks_mirror_the_headings(demo_pdf):
    report, path, _records = demo_pdf
    xml = subprocess.run(
        ["pdftohtml", "-xml", "-i", "-stdout", "-q", str(path)], capture_output=True, text=True
    ).stdout
    outline = [unescape(item) for item in re.findall(r"<item page=\"\d+\">(.*?)</item>", xml)]
    html = render_html(report)
    headings = [
        re.sub(r"\s+", " ", unescape(strip_tags(h))).strip()
        for h in re.findall(r"<h[1-4][^>]*>(.*?)</h[1-4]>", html, re.S)
    ]
    assert outline == headings
    assert outline[:3] == [report.title, "Inhoud", "Kamerbrief"]
    assert "Ministerie van Defensie" in outline


def test_rendering_logs_no_weasyprint_warnings_or_errors(demo_pdf):
    _report, _path, records = demo_pdf
    assert [record.getMessage() for record in records] == []


def test_every_page_after_the_cover_has_the_reference_and_page_x_of_y(demo_pdf):
    _report, path, _records = demo_pdf
    pages = pdftotext(path)
    assert len(pages) > 20
    for number, page in enumerate(pages[1:], start=2):
        assert "Onze referentie BZDOC-2023943977-38" in page, number
        assert f"Pagina {number} van {len(pages)}" in page, number
    # The contents' page numbers stand at the end of their lines (the dotted leader between
    # them is drawn, not text).
    toc = subprocess.run(
        ["pdftotext", "-layout", "-f", "2", "-l", "2", str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    assert re.search(r"\n *Ministerie van Defensie {3,}\d+\n", toc)


def test_fonts_are_the_projects_own_and_embedded(demo_pdf):
    _report, path, _records = demo_pdf
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    assert "Report-Sans" in fonts  # the @font-face family, from static/reports/fonts
    body = fonts.splitlines()[2:]
    assert body and all(" yes " in line for line in body)


def test_fetcher_refuses_the_network_and_files_outside_static():
    fetcher = url_fetcher()
    for url in (
        "https://example.org/logo.png",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "file:///static/../../etc/passwd",
        "ftp://example.org/x",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert _static_path("file:///static/reports/report.css") is not None
    response = fetcher.fetch("file:///static/reports/report.css")
    assert b"@page" in response.read()


def test_fetcher_serves_the_hashed_copies_collected_for_production(settings, tmp_path):
    """With the manifest storage `{% static %}` names `report.<hash>.css`, which only the
    collected STATIC_ROOT holds; the fetcher must find it there, and still nothing outside."""
    collected = tmp_path / "reports" / "report.0123abcd.css"
    collected.parent.mkdir(parents=True)
    collected.write_text("@page { size: A4 }")
    (tmp_path.parent / "secret.txt").write_text("not static")
    settings.STATIC_ROOT = tmp_path
    assert _static_path("file:///static/reports/report.0123abcd.css") == collected
    assert _static_path("file:///static/reports/missing.0123abcd.css") is None
    assert _static_path("file:///static/../secret.txt") is None


def test_a_network_image_in_the_html_is_not_fetched(monkeypatch):
    from weasyprint import HTML

    def no_network(*args, **kwargs):
        raise AssertionError("the report tried to reach the network")

    monkeypatch.setattr("urllib.request.OpenerDirector.open", no_network)
    handler = Records()
    logging.getLogger("weasyprint").addHandler(handler)
    try:
        HTML(
            string='<p>x</p><img src="https://example.org/tracker.png">',
            base_url="file:///",
            url_fetcher=url_fetcher(),
        ).write_pdf()
    finally:
        logging.getLogger("weasyprint").removeHandler(handler)
    assert any("example.org" in r.getMessage() for r in handler.records)


def test_draft_preview_says_draft_on_every_page(tmp_path):
    world = build_world()
    for organisation in (world.ministry, world.other):
        EntryFactory(
            round=world.round,
            organisation=organisation,
            goal=world.goal,
            indicator=world.indicator,
            status=ProgressEntry.Status.DRAFT,
            narrative_nl="<p>" + "Concepttekst over de voortgang. " * 200 + "</p>",
        )
    report = build_report(plan=world.plan, year=2022, layout="goal", language="nl", draft=True)
    path, records = render_capturing(report, tmp_path, "draft.pdf")
    pages = pdftotext(path)
    assert len(pages) >= 3
    for page in pages:
        assert "CONCEPT" in page
    assert records == []
    final = build_report(plan=world.plan, year=2022, layout="goal", language="nl")
    assert "CONCEPT" not in render_html(final)
