"""The report as a Word document (python-docx), from the same context as the HTML and PDF.

Headings use Word's own heading styles, so the navigation pane, the table of contents and
cross-references work for the ministries and parliament staff who edit further in Word. The
file is byte-for-byte reproducible: the same report gives the same bytes.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from html.parser import HTMLParser

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from docx import Document
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from .context import GoalView, IndicatorView, NarrativeView, Report, ScopeContent, ValueTable

ACCENT = RGBColor(0x15, 0x42, 0x73)
DRAFT_RED = RGBColor(0xB0, 0x00, 0x20)
LOCALES = {"nl": "nl-NL", "en": "en-GB", "fr": "fr-FR"}


def _set_lang(element_rpr, language: str) -> None:
    lang = element_rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        element_rpr.append(lang)
    lang.set(qn("w:val"), LOCALES.get(language, language))


def _mark_language(run, text) -> None:
    """Mark text that fell back to another language, as the HTML does with lang=""."""
    if getattr(text, "is_fallback", False):
        _set_lang(run._r.get_or_add_rPr(), text.language)


def _field(paragraph, instruction: str, placeholder: str = "") -> None:
    """A Word field (PAGE, NUMPAGES, TOC) that Word computes when it opens the file."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run._r.append(begin)
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    run = paragraph.add_run()
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run._r.append(separate)
    paragraph.add_run(placeholder)
    run = paragraph.add_run()
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run._r.append(end)


class _HtmlToDocx(HTMLParser):
    """The sanitised rich text of the portal (napportal.richtext) as Word paragraphs."""

    def __init__(self, container, language_text=None):
        super().__init__(convert_charrefs=True)
        self.container = container
        self.text = language_text
        self.paragraph = None
        self.bold = self.italic = self.underline = self.sup = self.sub = 0
        self.lists: list[str] = []
        self.href = None

    def _new_paragraph(self, style=None):
        self.paragraph = self.container.add_paragraph(style=style)
        return self.paragraph

    def handle_starttag(self, tag, attrs):
        if tag == "p":
            self._new_paragraph()
        elif tag in ("h3", "h4"):
            self._new_paragraph()
            self.bold += 1
        elif tag in ("ul", "ol"):
            self.lists.append(tag)
        elif tag == "li":
            style = "List Number" if self.lists and self.lists[-1] == "ol" else "List Bullet"
            self._new_paragraph(style=style)
        elif tag == "blockquote":
            self._new_paragraph(style="Quote")
        elif tag == "br" and self.paragraph is not None:
            self.paragraph.add_run().add_break()
        elif tag in ("strong", "b"):
            self.bold += 1
        elif tag in ("em", "i"):
            self.italic += 1
        elif tag == "u":
            self.underline += 1
        elif tag == "sup":
            self.sup += 1
        elif tag == "sub":
            self.sub += 1
        elif tag == "a":
            self.href = dict(attrs).get("href")

    def handle_endtag(self, tag):
        if tag in ("p", "li", "blockquote"):
            self.paragraph = None
        elif tag in ("h3", "h4"):
            self.bold -= 1
            self.paragraph = None
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        elif tag in ("strong", "b"):
            self.bold -= 1
        elif tag in ("em", "i"):
            self.italic -= 1
        elif tag == "u":
            self.underline -= 1
        elif tag == "sup":
            self.sup -= 1
        elif tag == "sub":
            self.sub -= 1
        elif tag == "a":
            self.href = None

    def handle_data(self, data):
        if self.paragraph is None:
            if not data.strip():
                return
            self._new_paragraph()
        run = self.paragraph.add_run(data)
        run.bold = self.bold > 0 or None
        run.italic = self.italic > 0 or None
        run.underline = self.underline > 0 or None
        if self.sup:
            run.font.superscript = True
        if self.sub:
            run.font.subscript = True
        _mark_language(run, self.text)


def add_rich_text(container, text) -> None:
    parser = _HtmlToDocx(container, text)
    parser.feed(str(text))
    parser.close()


class _Writer:
    def __init__(self, report: Report):
        self.report = report
        self.document = Document()
        self.draft_label = _("DRAFT")

    def paragraph(self, text="", style=None, *, bold=False, italic=False, color=None, size=None):
        paragraph = self.document.add_paragraph(style=style)
        if text:
            run = paragraph.add_run(str(text))
            run.bold = bold or None
            run.italic = italic or None
            if color is not None:
                run.font.color.rgb = color
            if size is not None:
                run.font.size = Pt(size)
            _mark_language(run, text)
        return paragraph

    def heading(self, text: str, level: int):
        return self.document.add_heading(str(text), level=level)

    def setup(self):
        report = self.report
        styles = self.document.styles
        normal = styles["Normal"]
        normal.font.name = "Arial"
        normal.font.size = Pt(10)
        _set_lang(normal.element.get_or_add_rPr(), report.language)
        for level in range(1, 5):
            style = styles[f"Heading {level}"]
            style.font.color.rgb = ACCENT
            style.font.name = "Arial"
        section = self.document.sections[0]
        section.page_height, section.page_width = Mm(297), Mm(210)
        section.top_margin, section.bottom_margin = Mm(24), Mm(22)
        section.left_margin, section.right_margin = Mm(25), Mm(20)
        header = section.header.paragraphs[0]
        header_text = f"{report.plan_short_name} – {report.year}"
        if report.reference:
            header_text += f"\t\t{_('Our reference')} {report.reference}"
        run = header.add_run(header_text)
        run.font.size = Pt(7.5)
        if report.draft:
            run = section.header.add_paragraph().add_run(self.draft_label)
            run.bold = True
            run.font.color.rgb = DRAFT_RED
        footer = section.footer.paragraphs[0]
        footer.add_run(_("Page") + " ")
        _field(footer, "PAGE", "1")
        footer.add_run(" " + _("of") + " ")
        _field(footer, "NUMPAGES", "1")

        properties = self.document.core_properties
        properties.title = report.title
        properties.subject = report.subtitle
        properties.language = LOCALES.get(report.language, report.language)
        properties.author = report.plan_short_name
        properties.last_modified_by = report.plan_short_name
        properties.keywords = f"{report.plan_short_name}, UNSCR 1325"
        properties.comments = report.fingerprint
        properties.revision = 1
        # Fixed dates keep the file reproducible: the same report gives the same bytes.
        moment = datetime.datetime(report.year + 1, 1, 1)
        properties.created = moment
        properties.modified = moment
        properties.last_printed = moment

    def cover(self):
        report = self.report
        self.paragraph(f"{report.plan_short_name} · {report.plan_title}", italic=True)
        self.paragraph(report.title, style="Title")
        self.paragraph(report.subtitle, style="Subtitle")
        if report.draft:
            self.paragraph(
                self.draft_label
                + " — "
                + _("This preview contains entries that are not approved. It is not the report."),
                bold=True,
                color=DRAFT_RED,
            )
        if report.date:
            self.paragraph(f"{_('Date')}: {report.date}")
        if report.reference:
            self.paragraph(f"{_('Our reference')}: {report.reference}")
        toc_title = self.paragraph(_("Contents"), bold=True, color=ACCENT, size=14)
        toc_title.paragraph_format.space_before = Pt(24)
        _field(
            self.document.add_paragraph(),
            'TOC \\o "1-3" \\h \\z \\u',
            _("Update this field in Word to show the table of contents."),
        )
        self.document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def letter(self):
        letter = self.report.letter
        if letter is None:
            return
        self.heading(_("Letter to parliament"), 1)
        for line in letter.addressee.text.splitlines():
            self.paragraph(line).paragraph_format.space_after = Pt(0)
        self.paragraph()
        table = self.document.add_table(rows=0, cols=2)
        rows = [(_("Date"), letter.date), (_("Subject"), letter.subject)]
        if letter.reference:
            rows.append((_("Our reference"), letter.reference))
        for label, value in rows:
            cells = table.add_row().cells
            cells[0].text = str(label)
            cells[1].text = str(value)
            _mark_language(cells[1].paragraphs[0].runs[0], value)
        self.paragraph()
        if letter.salutation:
            self.paragraph(letter.salutation)
        add_rich_text(self.document, letter.body)
        for signature in letter.signatures:
            self.paragraph(signature.title).paragraph_format.space_before = Pt(18)
            self.paragraph(signature.name, bold=True)
        self.document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def annex(self):
        report = self.report
        self.heading(report.annex_title, 1)
        if report.layout == "organisation":
            for number, organisation in enumerate(report.organisations):
                if number:
                    self.document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
                self.heading(organisation.name, 2)
                for goal in organisation.goals:
                    self.goal(goal, 3, show_organisation=False)
        else:
            for section in report.sections:
                self.narrative(section, 2)
            for goal in report.goals:
                self.goal(goal, 2, show_organisation=True)

    def goal(self, goal: GoalView, level: int, *, show_organisation: bool):
        if goal.pillar_label:
            self.paragraph(goal.pillar_label.upper(), bold=True, color=ACCENT, size=8)
        heading = self.heading("", level)
        heading.add_run(_("Strategic goal %(number)s") % {"number": goal.number} + ": ")
        _mark_language(heading.add_run(goal.title.text), goal.title)
        self.content(goal.content, show_organisation)
        for indicator in goal.indicators:
            self.indicator(indicator, level + 2, show_organisation)
        for subgoal in goal.subgoals:
            heading = self.heading("", level + 1)
            heading.add_run(_("Subgoal %(number)s") % {"number": subgoal.number} + ": ")
            _mark_language(heading.add_run(subgoal.title.text), subgoal.title)
            self.content(subgoal.content, show_organisation)
            for indicator in subgoal.indicators:
                self.indicator(indicator, level + 2, show_organisation)
        if goal.closing:
            self.narrative(goal.closing, level + 1, closing=True)

    def narrative(self, narrative: NarrativeView, level: int, *, closing: bool = False):
        heading = self.heading("", level)
        if closing:
            label = pgettext("report", "Looking back on the plan period")
            heading.add_run(label + (": " if narrative.title else ""))
        if narrative.title:
            _mark_language(heading.add_run(narrative.title.text), narrative.title)
        if narrative.is_draft:
            self.paragraph(f"({narrative.status_label})", bold=True, color=DRAFT_RED)
        if narrative.body:
            add_rich_text(self.document, narrative.body)

    def indicator(self, indicator: IndicatorView, level: int, show_organisation: bool):
        heading = self.heading("", min(level, 9))
        heading.add_run(f"{pgettext('report', 'Indicator')} {indicator.code}: ")
        _mark_language(heading.add_run(indicator.text.text), indicator.text)
        meta = []
        if indicator.baseline:
            meta.append(f"{_('Baseline')}: {indicator.baseline}")
        if indicator.target:
            meta.append(f"{_('Target')}: {indicator.target}")
        if meta:
            self.paragraph(" · ".join(meta), italic=True)
        self.content(indicator.content, show_organisation)
        if indicator.series:
            self.values(
                indicator.series,
                _("Totals over the plan period"),
                pgettext("report", "Organisation"),
            )

    def content(self, content: ScopeContent, show_organisation: bool):
        report = self.report
        for entry in content.entries:
            source = []
            if report.final:
                source.append(str(entry.year))
            if show_organisation:
                source.append(entry.organisation.text)
            if entry.is_draft:
                source.append(f"({entry.status_label})")
            if source:
                self.paragraph(" ".join(source), bold=True, color=ACCENT)
            if entry.not_reported:
                paragraph = self.document.add_paragraph()
                paragraph.add_run(f"{entry.not_reported}. ").bold = True
                run = paragraph.add_run(entry.not_reported_reason.text)
                run.italic = True
                _mark_language(run, entry.not_reported_reason)
            if entry.narrative:
                add_rich_text(self.document, entry.narrative)
            if entry.values:
                self.values(entry.values, _("Reported values"), pgettext("report", "Category"))
            if entry.examples:
                self.paragraph(pgettext("report", "Examples"), bold=True)
                for example in entry.examples:
                    paragraph = self.document.add_paragraph(style="List Bullet")
                    run = paragraph.add_run(example.title.text)
                    run.bold = True
                    _mark_language(run, example.title)
                    details = ", ".join(p for p in (example.country, example.partner) if p)
                    if details:
                        paragraph.add_run(f" ({details})")
                    if example.description:
                        add_rich_text(self.document, example.description)
            if entry.references:
                self.paragraph(pgettext("report", "References"), bold=True)
                for reference in entry.references:
                    text = " – ".join(p for p in (reference.citation, reference.title) if p)
                    if reference.url:
                        text = f"{text} {reference.url}".strip()
                    self.document.add_paragraph(text, style="List Bullet")
        for organisation in content.missing:
            self.paragraph(
                _("No input received from %(organisation)s.") % {"organisation": organisation},
                italic=True,
            )

    def values(self, table: ValueTable, caption: str, first_column: str):
        self.paragraph(caption, bold=True, size=8)
        word_table = self.document.add_table(rows=1, cols=len(table.columns) + 1)
        word_table.style = "Light List Accent 1"
        header = word_table.rows[0].cells
        header[0].text = first_column
        for index, column in enumerate(table.columns, start=1):
            header[index].text = column
        for row in table.rows:
            cells = word_table.add_row().cells
            cells[0].text = str(row.label) if row.label else pgettext("report", "Total")
            for index, value in enumerate(row.values, start=1):
                cells[index].text = value or "–"
        self.paragraph()

    def write(self) -> bytes:
        self.setup()
        self.cover()
        self.letter()
        self.annex()
        buffer = io.BytesIO()
        self.document.save(buffer)
        return _reproducible_zip(buffer.getvalue())


def _reproducible_zip(data: bytes) -> bytes:
    """The same archive with fixed member timestamps (zipfile stamps the current time)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def render_docx(report: Report) -> bytes:
    with translation.override(report.language):
        return _Writer(report).write()
