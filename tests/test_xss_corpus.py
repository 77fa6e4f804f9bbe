"""An XSS corpus against every rich-text field, in every language column, however it is written,
and against the pages and documents that show the text; and the PDF renderer fetches nothing but
the portal's own static files.

The corpus is `tests/data/xss-corpus.txt`. Stored HTML is held to the sanitiser's allow-list;
pages may contain the portal's own markup, but no script-capable element, event handler or
script URL. HTML is parsed twice: with html5lib (the WHATWG algorithm browsers use, which is
where mutation XSS shows) and with the standard library's html.parser.
"""

from __future__ import annotations

import html.parser
import logging
import re
from pathlib import Path

import html5lib
import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from indicators.models import Plan
from napportal.richtext import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, RichTextField, sanitize_html
from reporting import workflow
from reporting.models import (
    CoverLetter,
    EntryComment,
    Example,
    PlanNarrative,
    ProgressEntry,
    Reference,
    ReportingRound,
)
from reports.context import build_report
from reports.render import render_html, render_pdf, url_fetcher
from tests.adminforms import form_data as _form_data
from tests.factories import (
    EntryFactory,
    GoalFactory,
    IndicatorFactory,
    PlanFactory,
    ResponsibilityFactory,
    RoundFactory,
)
from tests.roles import build_world

CORPUS_FILE = Path(__file__).parent / "data" / "xss-corpus.txt"
LANGUAGES = [code for code, _name in settings.LANGUAGES]
SAFE_SCHEMES = {"http", "https", "mailto"}
# Attributes a browser resolves as a URL (or, for srcset, a list of URLs).
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "poster",
    "background",
    "cite",
    "codebase",
    "longdesc",
    "dynsrc",
    "lowsrc",
    "ping",
    "manifest",
    "icon",
    "srcset",
    "to",
    "from",
    "values",
}
# Elements that run script, load other documents or re-parse their content; never in a page.
FORBIDDEN_ON_PAGES = {
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "math",
    "base",
    "isindex",
    "template",
    "noscript",
    "xmp",
    "noembed",
    "portal",
    # SVG that runs script or loads content; the admin's inline icons use none of these.
    "animate",
    "animatemotion",
    "animatetransform",
    "set",
    "foreignobject",
    "handler",
    "listener",
    "discard",
}
# Scripts the portal serves itself besides its static files: the admin's translation catalogue.
OWN_SCRIPT = re.compile(r"^/[a-z]{2}/[a-z-]+/jsi18n/$")
DANGEROUS_CSS = re.compile(r"expression|javascript|vbscript|behavior|binding|@import|url\(", re.I)


def load_corpus() -> list[tuple[str, str]]:
    """(group, payload) for every payload line of the corpus file."""
    payloads, group = [], ""
    for line in CORPUS_FILE.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            group = line[2:]
        elif line.strip():
            payloads.append((group, line))
    return payloads


# Control characters do not survive a text file well; browsers skip some of them in URLs.
CONTROL_CHARACTER_PAYLOADS = [
    ("Control characters", "<a href=\"\x01javascript:alert('xss')\">x</a>"),
    ("Control characters", "<a href=\"java\x00script:alert('xss')\">x</a>"),
    ("Control characters", "<a href=\"\x0bjavascript:alert('xss')\">x</a>"),
    ("Control characters", "<a href=\"java\nscript:alert('xss')\">x</a>"),
    ("Control characters", "<scr\x00ipt>alert('xss')</script>"),
    ("Control characters", "<img src=x onerror\x0c=alert('xss')>"),
]
CORPUS = load_corpus() + CONTROL_CHARACTER_PAYLOADS
PAYLOADS = [payload for _group, payload in CORPUS]
BLOB = "\n".join(PAYLOADS)


# --- the checks ----------------------------------------------------------------------------


def url_scheme(value: str) -> str | None:
    """The scheme a browser would see: it ignores ASCII whitespace and control characters."""
    cleaned = re.sub(r"[\x00-\x20\x7f]", "", value)
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.\-]*):", cleaned)
    return match.group(1).lower() if match else None


def _local_name(tag) -> str:
    return str(tag).rsplit("}", 1)[-1].lower()


def _elements(markup: str, *, document: bool):
    """(tag, attributes, text) of every element, as a browser would build them (html5lib), then
    as html.parser reads them."""
    parse = html5lib.parse if document else html5lib.parseFragment
    tree = parse(markup, treebuilder="etree", namespaceHTMLElements=False)
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue  # comments
        attributes = {_local_name(name): value for name, value in element.attrib.items()}
        if any(name.endswith("}href") for name in element.attrib):
            attributes["xlink:href"] = next(
                value for name, value in element.attrib.items() if name.endswith("}href")
            )
        yield _local_name(element.tag), attributes, "".join(element.itertext())
    collector = _Collector()
    collector.feed(markup)
    collector.close()
    yield from collector.elements


class _Collector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []
        self._open = None

    def handle_starttag(self, tag, attrs):
        self._open = [tag.lower(), {name.lower(): value or "" for name, value in attrs}, ""]
        self.elements.append(self._open)

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        if self._open is not None and self._open[0] in ("script", "style"):
            self._open[2] += data


def _attribute_problems(tag: str, attributes: dict) -> list[str]:
    problems = []
    for name, value in attributes.items():
        if name.startswith("on"):
            problems.append(f"<{tag} {name}>: event handler")
        if name == "srcdoc":
            problems.append(f"<{tag} srcdoc>: inline document")
        if name in URL_ATTRIBUTES:
            for url in value.split(",") if name == "srcset" else [value]:
                scheme = url_scheme(url)
                if scheme is not None and scheme not in SAFE_SCHEMES:
                    problems.append(f"<{tag} {name}={value!r}>: {scheme}: URL")
    return problems


def stored_problems(markup: str | None) -> list[str]:
    """What in stored rich text is outside the sanitiser's allow-list or could run script."""
    if not markup:
        return []
    problems = []
    for tag, attributes, _text in _elements(markup, document=False):
        if tag in ("document_fragment", "document-fragment"):
            continue
        if tag not in ALLOWED_TAGS:
            problems.append(f"<{tag}>: not an allowed element")
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set())
        for name in attributes:
            if name not in allowed:
                problems.append(f"<{tag} {name}>: not an allowed attribute")
        problems += _attribute_problems(tag, attributes)
    if sanitize_html(markup) != markup:
        # Sanitised text that changes when sanitised again re-parses differently: mutation XSS.
        problems.append("sanitising the stored text again changes it")
    return problems


def page_problems(markup: str, *, style_element: bool = False, refresh: bool = False) -> list[str]:
    """What in a page could run script that the portal did not write: scripts only from the
    portal's static files, no script-capable elements, event handlers or script URLs."""
    static = settings.STATIC_URL
    problems = []
    for tag, attributes, text in _elements(markup, document=True):
        if tag in FORBIDDEN_ON_PAGES:
            problems.append(f"<{tag}>: script-capable element")
        elif tag == "script":
            src = attributes.get("src")
            if src is not None:
                if not (src.startswith(static) or OWN_SCRIPT.match(src)):
                    problems.append(f"<script src={src!r}>: not a static file of the portal")
            elif attributes.get("type") not in ("application/json", "application/ld+json"):
                problems.append(f"<script>{text[:60]!r}: inline script")
            elif "xss" in text or "<" in text:
                problems.append(f"<script type=json>{text[:60]!r}: markup in data")
        elif tag == "style":
            # The report's own stylesheet: fonts from the static files, escaped strings.
            urls = re.findall(r"url\(\s*[\"']?([^\"')]*)", text)
            css = re.sub(r"url\(\s*[\"']?" + re.escape(static), "", text.replace("\\", ""))
            if (
                not style_element
                or DANGEROUS_CSS.search(css)
                or "<" in text
                or any(not url.startswith(static) for url in urls)
            ):
                problems.append(f"<style>{text[:60]!r}")
        elif tag == "meta" and attributes.get("http-equiv", "").lower() == "refresh":
            if not refresh or "url" in attributes.get("content", "").lower():
                problems.append(f"<meta refresh {attributes.get('content')!r}>")
        elif tag == "link" and not attributes.get("href", static).startswith(static):
            if attributes.get("rel", "").lower() not in ("alternate", "canonical", "icon"):
                problems.append(f"<link href={attributes.get('href')!r}>: not a static file")
        elif tag in ("use", "image", "feimage") and not all(
            attributes.get(name, "#").startswith("#") for name in ("href", "xlink:href")
        ):
            problems.append(f"<{tag} {attributes}>: SVG reference outside the page")
        if "style" in attributes and DANGEROUS_CSS.search(attributes["style"].replace("\\", "")):
            problems.append(f"<{tag} style={attributes['style']!r}>")
        problems += _attribute_problems(tag, attributes)
    return problems


def test_the_corpus_is_big_and_covers_every_group():
    groups = {group for group, _payload in CORPUS}
    assert len(PAYLOADS) >= 50
    for expected in (
        "Classic script elements",
        "Event handlers",
        "SVG and MathML",
        "Style elements and CSS expressions",
        "Frames, objects and embeds",
        "Meta refresh, base and forms",
        "Broken and nested tags",
        "Unicode tricks",
        "Polyglots",
    ):
        assert expected in groups
    assert any(group.startswith("Mutation XSS") for group in groups)
    assert any(group.startswith("javascript:") for group in groups)
    assert any(group.startswith("Entity-encoded") for group in groups)


@pytest.mark.parametrize(
    "markup",
    [
        "<script>alert(1)</script>",
        '<p onclick="x()">a</p>',
        '<a href="java&#x09;script:alert(1)">a</a>',
        "<svg onload=alert(1)><p>a</p></svg>",
        "<svg><animate onbegin=alert(1)></animate></svg>",
        '<svg><use href="data:image/svg+xml,x#a"></use></svg>',
        '<p style="width:expression(alert(1))">a</p>',
        "<math><mi>x</mi></math>",
        '<a href="data:text/html,x">a</a>',
    ],
)
def test_the_checks_catch_what_they_look_for(markup):
    # Guards the guards: a check that finds nothing would make every test below pass.
    assert stored_problems(markup)
    assert page_problems(f"<!doctype html><title>t</title><body>{markup}</body>")


def test_the_checks_accept_allowed_markup():
    markup = sanitize_html(
        '<h3>Kop</h3><p><strong>a</strong> <a href="https://x.nl/" title="t">b</a> '
        '<a href="mailto:a@b.nl">m</a></p><ul><li>c</li></ul>'
    )
    assert stored_problems(markup) == []
    assert page_problems(f"<!doctype html><title>t</title><body>{markup}</body>") == []


# --- the sanitiser itself ------------------------------------------------------------------


@pytest.mark.parametrize(("group", "payload"), CORPUS, ids=range(len(CORPUS)))
def test_sanitised_payload_has_nothing_script_capable(group, payload):
    assert stored_problems(sanitize_html(payload)) == []


def test_text_survives_sanitising():
    assert "after a script" in sanitize_html("<script>/* xss */</script><p>after a script</p>")
    assert sanitize_html("&lt;script&gt;x").startswith("&lt;script&gt;")


# --- every rich-text field, every language column, every way of writing --------------------


def _round():
    return RoundFactory(plan=PlanFactory())


def _make(model):
    """An unsaved-then-saved instance of each model with rich text."""
    if model is ProgressEntry:
        return EntryFactory()
    if model is Example:
        return Example.objects.create(entry=EntryFactory(), title_nl="Voorbeeld")
    if model is CoverLetter:
        return CoverLetter.objects.create(round=_round(), subject_nl="Brief")
    if model is PlanNarrative:
        return PlanNarrative.objects.create(
            plan=PlanFactory(), kind=PlanNarrative.Kind.SECTION, title_nl="Thema"
        )
    if model is Plan:
        return PlanFactory()
    if model._meta.label == "indicators.Goal":
        return GoalFactory()
    raise AssertionError(f"{model._meta.label} has rich text: add it to _make()")


def rich_text_fields() -> list[tuple[type, str]]:
    """(model, field) for every RichTextField that modeltranslation split into languages."""
    found = []
    for model in apps.get_models():
        if model.__name__.startswith("Historical"):
            continue
        names = {field.name for field in model._meta.get_fields()}
        for field in model._meta.get_fields():
            if isinstance(field, RichTextField) and f"{field.name}_{LANGUAGES[0]}" in names:
                found.append((model, field.name))
    return found


RICH_TEXT_FIELDS = rich_text_fields()
FIELD_IDS = [f"{model.__name__}.{name}" for model, name in RICH_TEXT_FIELDS]


@pytest.mark.django_db
def test_every_rich_text_field_is_covered():
    labels = {f"{model._meta.label}.{name}" for model, name in RICH_TEXT_FIELDS}
    assert {
        "reporting.ProgressEntry.narrative",
        "reporting.Example.description",
        "reporting.CoverLetter.body",
        "reporting.PlanNarrative.body",
        "indicators.Plan.description",
        "indicators.Goal.description",
    } <= labels
    for model, _name in RICH_TEXT_FIELDS:
        _make(model)  # raises for a model with rich text this file does not know yet


def _stored(model, pk, name) -> dict[str, str]:
    columns = [f"{name}_{code}" for code in LANGUAGES]
    return model.objects.filter(pk=pk).values(*columns).get()


def _assert_clean(stored: dict[str, str], payload: str):
    for column, value in stored.items():
        assert stored_problems(value) == [], (column, payload, value)


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "name"), RICH_TEXT_FIELDS, ids=FIELD_IDS)
def test_model_save_stores_no_script_in_any_language(model, name):
    instance = _make(model)
    for payload in PAYLOADS:
        for code in LANGUAGES:
            setattr(instance, f"{name}_{code}", payload)
        instance.save()
        _assert_clean(_stored(model, instance.pk, name), payload)
    history = getattr(instance, "history", None)
    if history is not None:
        # The history tables keep every version, and the compare pages show them.
        for record in history.all():
            for code in LANGUAGES:
                assert stored_problems(getattr(record, f"{name}_{code}")) == []


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "name"), RICH_TEXT_FIELDS, ids=FIELD_IDS)
def test_queryset_update_stores_no_script_in_any_language(model, name):
    instance = _make(model)
    rows = model.objects.filter(pk=instance.pk)
    for payload in PAYLOADS:
        rows.update(**{f"{name}_{code}": payload for code in LANGUAGES})
        _assert_clean(_stored(model, instance.pk, name), payload)


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "name"), RICH_TEXT_FIELDS, ids=FIELD_IDS)
def test_bulk_update_stores_no_script_in_any_language(model, name):
    instance = _make(model)
    columns = [f"{name}_{code}" for code in LANGUAGES]
    for payload in PAYLOADS:
        for column in columns:
            setattr(instance, column, payload)
        model.objects.bulk_update([instance], columns)
        _assert_clean(_stored(model, instance.pk, name), payload)


# --- the workspace form, as an editor --------------------------------------------------------


@pytest.fixture
def world(db):
    return build_world()


def _qualitative_entry(world):
    indicator = IndicatorFactory(goal=world.goal, kind="qualitative", code="1.q")
    ResponsibilityFactory(organisation=world.ministry, goal=world.goal, indicator=indicator)
    return workflow.start_entry(
        acting_user=world.editor,
        round_=world.round,
        organisation=world.ministry,
        goal=world.goal,
        indicator=indicator,
    )


def test_workspace_form_stores_no_script_in_any_language(client, world):
    """Every payload reaches every language column of the narrative and of an example's
    description through the editor's form: the corpus in chunks, rotated over the languages."""
    entry = _qualitative_entry(world)
    url = reverse("workspace:reporting_progressentry_change", args=[entry.pk])
    client.force_login(world.editor)
    # Django's form fields refuse NUL characters outright (tested below).
    payloads = [payload for payload in PAYLOADS if "\x00" not in payload]
    size = 10
    chunks = ["\n".join(payloads[start : start + size]) for start in range(0, len(payloads), size)]
    for index in range(len(chunks)):
        page = client.get(url, secure=True)
        texts = {
            code: chunks[(index + shift) % len(chunks)] for shift, code in enumerate(LANGUAGES)
        }
        changes = {f"narrative_{code}": text for code, text in texts.items()}
        changes |= {"examples-0-title_nl": "Voorbeeld <b onclick=alert('xss')>x</b>"}
        changes |= {f"examples-0-description_{code}": text for code, text in texts.items()}
        response = client.post(url, _form_data(page, **changes), secure=True)
        assert response.status_code == 302, (index, response.context and _errors(response))
        _assert_clean(_stored(ProgressEntry, entry.pk, "narrative"), texts)
        example = Example.objects.get(entry=entry)
        _assert_clean(_stored(Example, example.pk, "description"), texts)
    entry.refresh_from_db()
    assert entry.version == 1 + len(chunks)

    page = client.get(url, secure=True)
    nul = "<scr\x00ipt>alert('xss')</script>"
    response = client.post(url, _form_data(page, narrative_en=nul), secure=True)
    assert response.status_code == 200 and "narrative_en" in _errors(response)[0]
    assert ProgressEntry.objects.get(pk=entry.pk).version == entry.version


def _errors(response):
    form = response.context["adminform"].form
    inlines = [inline.formset.errors for inline in response.context["inline_admin_formsets"]]
    return form.errors, inlines


# --- the pages that show the text --------------------------------------------------------------

# Plain-text fields (titles, reasons, comments, names) are stored as typed: templates escape them.
TEXT = "<script>alert('xss')</script><img src=x onerror=alert('xss')>\"'><svg onload=alert(1)>"


@pytest.fixture
def shown(world):
    """Entries, a letter and plan texts full of payloads, in every place a page shows them."""
    plan = world.plan
    # The plan's short name and the letter's reference go into the report's <style> (running
    # headers), as CSS strings.
    plan.short_name = "</style><script>alert(1)</script>"
    for code in LANGUAGES:
        setattr(plan, f"description_{code}", BLOB)
        setattr(world.goal, f"description_{code}", BLOB)
    plan.save()
    world.goal.save()
    world.ministry.name_nl = world.ministry.name_en = f"Ministerie {TEXT}"
    world.ministry.save()
    texts = {f"narrative_{code}": BLOB for code in LANGUAGES}
    draft = _qualitative_entry(world)
    submitted = EntryFactory(
        round=world.round,
        organisation=world.ministry,
        goal=world.goal,
        indicator=world.indicator,
        status=ProgressEntry.Status.SUBMITTED,
        not_reported_reason_nl=TEXT,
        not_reported_reason_en=TEXT,
        **texts,
    )
    for entry in (draft, submitted):
        ProgressEntry.objects.filter(pk=entry.pk).update(**texts)
        Example.objects.create(
            entry=entry,
            title_nl=TEXT,
            title_en=TEXT,
            partner=TEXT,
            **{f"description_{code}": BLOB for code in LANGUAGES},
        )
        Reference.objects.create(
            entry=entry, kind=Reference.Kind.DOCUMENT, citation=TEXT[:100], title=TEXT
        )
        EntryComment.objects.create(entry=entry, author=world.coordinator, text=TEXT)
    CoverLetter.objects.create(
        round=world.round,
        reference="'\"></style><img src=x onerror=alert(1)>\\",
        subject_nl=TEXT,
        subject_en=TEXT,
        salutation_nl=TEXT,
        sender_nl=TEXT,
        **{f"body_{code}": BLOB for code in LANGUAGES},
    )
    PlanNarrative.objects.create(
        plan=plan,
        kind=PlanNarrative.Kind.SECTION,
        title_nl=TEXT,
        title_en=TEXT,
        status=PlanNarrative.Status.APPROVED,
        **{f"body_{code}": BLOB for code in LANGUAGES},
    )
    published_round = ReportingRound.objects.create(
        plan=plan,
        year=2021,
        opens_on=world.round.opens_on,
        deadline=world.round.deadline,
        state=ReportingRound.State.PUBLISHED,
        published_at=timezone.now(),
    )
    published = EntryFactory(
        round=published_round,
        organisation=world.ministry,
        goal=world.goal,
        indicator=world.indicator,
        status=ProgressEntry.Status.PUBLISHED,
        published_at=timezone.now(),
        **texts,
    )
    Example.objects.create(entry=published, title_nl=TEXT, **{"description_nl": BLOB})
    return {"draft": draft, "submitted": submitted, "published": published}


def _assert_page_safe(response, **allow):
    assert response.status_code == 200
    content = response.content.decode()
    assert page_problems(content, **allow) == []
    return content


def test_workspace_entry_pages_show_no_script(client, world, shown):
    client.force_login(world.editor)
    for entry in (shown["draft"], shown["submitted"]):  # the form, and the read-only content
        url = reverse("workspace:reporting_progressentry_change", args=[entry.pk])
        content = _assert_page_safe(client.get(url, secure=True))
        assert "&lt;script&gt;alert(&#x27;xss&#x27;)" in content  # the titles, escaped
    _assert_page_safe(client.get(reverse("workspace:index"), secure=True))


def test_coordination_review_page_shows_no_script(client, world, shown):
    client.force_login(world.coordinator)
    entry = shown["submitted"]
    review = reverse("coordination:review", args=[world.plan.slug, world.round.year, entry.pk])
    assert "after a script" in _assert_page_safe(client.get(review, secure=True))
    diff = reverse("coordination:diff", args=[world.plan.slug, world.round.year, entry.pk])
    _assert_page_safe(client.get(diff, secure=True))
    for name in ("coordination:queue", "coordination:dashboard"):
        _assert_page_safe(
            client.get(reverse(name, args=[world.plan.slug, world.round.year]), secure=True)
        )


def _public_urls(world, shown) -> list[str]:
    plan, goal, indicator = world.plan, world.goal, world.indicator
    candidates = [
        ("public:home", []),
        ("public:plan", [plan.slug]),
        ("public:goal", [plan.slug, goal.number]),
        ("public:indicator", [plan.slug, indicator.code]),
        ("public:entries", []),
        ("public:organisation", [world.ministry.slug]),
        ("public:signatories", [plan.slug]),
        ("public:status", [plan.slug]),
        ("public:organisations", []),
        ("public:reports", [plan.slug]),
    ]
    urls = []
    for name, args in candidates:
        try:
            urls.append(reverse(name, args=args))
        except NoReverseMatch:
            continue  # the public portal is being built page by page (issue #5)
    return urls


def test_public_pages_show_no_script(client, world, shown):
    urls = _public_urls(world, shown)
    assert reverse("public:plan", args=[world.plan.slug]) in urls
    shown_text = []
    for url in urls:
        content = _assert_page_safe(client.get(url, secure=True))
        if "after a script" in content:  # the published narrative, sanitised
            shown_text.append(url)
    # Not vacuous: the published entry's text is on the pages that show entries.
    indicator = reverse("public:indicator", args=[world.plan.slug, world.indicator.code])
    if indicator in urls:
        assert indicator in shown_text


@pytest.mark.parametrize("layout", ["organisation", "goal"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_report_html_shows_no_script(world, shown, layout, language):
    for year, draft in ((world.round.year, True), (2021, False)):
        report = build_report(
            plan=world.plan, year=year, layout=layout, language=language, draft=draft
        )
        document = render_html(report)
        assert page_problems(document, style_element=True) == []
        assert "after a script" in document


def test_final_report_html_shows_no_script(world, shown):
    report = build_report(plan=world.plan, year=2022, layout="goal", draft=True, final=True)
    assert page_problems(render_html(report), style_element=True) == []


# --- the PDF renderer fetches only the portal's static files -------------------------------------
# tests/test_reports_pdf.py covers remote URLs, file:///etc/passwd and a network image; these add
# loopback, encoded traversals, other schemes, and a whole report with such references in it.

REFUSED_URLS = [
    "http://127.0.0.1:9/x.png",
    "http://localhost:9/x.css",
    "http://[::1]:9/x.png",
    "file:///etc/passwd",
    "file://localhost/etc/passwd",
    "file://127.0.0.1/static/reports/report.css",
    "file:///static//etc/passwd",
    "file:///static/%2e%2e/%2e%2e/etc/passwd",
    "file:///static/..%2f..%2fnapportal/settings.py",
    "file:///static/reports/..%5c..%5c..%5cetc%5cpasswd",
    "file:///proc/self/environ",
    f"file://{settings.BASE_DIR}/napportal/settings.py",
    "data:text/css,body{background:red}",
    "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=",
    "javascript:alert('xss')",
    "gopher://127.0.0.1:9/_x",
    "/etc/passwd",
    "//127.0.0.1:9/x.png",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_fetcher_refuses(url, monkeypatch):
    opened = []
    monkeypatch.setattr("urllib.request.OpenerDirector.open", lambda *a, **k: opened.append(a))
    monkeypatch.setattr("socket.create_connection", lambda *a, **k: opened.append(a))
    with pytest.raises((ValueError, SuspiciousOperation)):
        url_fetcher().fetch(url)
    assert opened == []


class _Warnings(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.mark.django_db
def test_report_with_outside_references_renders_without_fetching_them(monkeypatch):
    """What a report could point at, written straight into the database (bypassing the
    sanitiser, as a restored old dump might), still renders, and nothing outside the portal's
    static files is opened: no socket, no other file."""
    world = build_world()
    hostile = (
        '<p>Tekst <img src="http://127.0.0.1:9/x.png"> <img src="file:///etc/passwd">'
        '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
        '<link rel="stylesheet" href="file:///etc/passwd">'
        "<style>@import url(http://127.0.0.1:9/y.css); p{background:url(file:///etc/shadow)}"
        "</style>"
        '<object data="file:///etc/passwd"></object><iframe src="http://127.0.0.1:9/"></iframe>'
        '<img src="file:///static/%2e%2e/%2e%2e/etc/passwd">'
        '<svg><image href="http://127.0.0.1:9/z.svg"/></svg></p>'
    )
    entry = EntryFactory(
        round=world.round,
        organisation=world.ministry,
        goal=world.goal,
        indicator=world.indicator,
        status=ProgressEntry.Status.APPROVED,
    )
    # Straight into the column: RichTextField would sanitise an ORM write.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {ProgressEntry._meta.db_table} SET narrative_nl = %s WHERE id = %s",
            [hostile, entry.pk],
        )
    report = build_report(plan=world.plan, year=world.round.year, language="nl")
    document = render_html(report)
    assert "127.0.0.1:9" in document, document[-3000:]  # it really is in the document

    opened_sockets, opened_files = [], []
    monkeypatch.setattr(
        "socket.create_connection", lambda *a, **k: opened_sockets.append(a) or 1 / 0
    )
    monkeypatch.setattr(
        "urllib.request.OpenerDirector.open", lambda *a, **k: opened_sockets.append(a) or 1 / 0
    )
    real_read_bytes = Path.read_bytes
    static_roots = [Path(p).resolve() for p in settings.STATICFILES_DIRS] + [
        Path(config.path).resolve() / "static" for config in apps.get_app_configs()
    ]

    def read_bytes(path):
        opened_files.append(Path(path).resolve())
        return real_read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    handler = _Warnings()
    logging.getLogger("weasyprint").addHandler(handler)
    try:
        pdf = render_pdf(report)
    finally:
        logging.getLogger("weasyprint").removeHandler(handler)
    assert pdf.startswith(b"%PDF")
    assert opened_sockets == []
    for path in opened_files:
        assert any(path.is_relative_to(root) for root in static_roots), path
    refused = " ".join(handler.messages)
    assert "127.0.0.1:9/x.png" in refused and "/etc/passwd" in refused
