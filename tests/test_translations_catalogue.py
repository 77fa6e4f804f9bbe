"""The interface translations: every catalogue (locale/ and an app's own locale/) is complete,
compiled and current, every string marked in the code is in it, and pages come out in Dutch and
French."""

import gettext
import html
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tests.roles import build_world

BASE = Path(settings.BASE_DIR)
# The same as `make messages`.
MAKEMESSAGES = [
    "makemessages",
    "-l",
    "nl",
    "-l",
    "en",
    "-l",
    "fr",
    "--ignore=.venv",
    "--ignore=var",
    "--ignore=static/vendor",
    "--ignore=tests",
    "--ignore=node_modules",
    "--ignore=test-results",
]
NOT_SOURCE = {".venv", ".git", "node_modules", "var", "test-results", "tests"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdrf]|%[sdrf%]")


# --- a small .po reader (no gettext tools needed) ------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def label(self) -> str:
        return f"{self.msgctxt}|{self.msgid}" if self.msgctxt else self.msgid

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values())


ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$')


def unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(1)), text.strip()[1:-1])


def read_po(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    entry, target = Entry(), None

    def finish():
        nonlocal entry, target
        if target is not None:
            entries.append(entry)
        entry, target = Entry(), None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
            if line.startswith("#"):
                continue
        if not line:
            finish()
            continue
        if line.startswith("#"):
            if target is not None and target[0] != "msgctxt":
                finish()
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        match = KEYWORD.match(line)
        if match:
            keyword, index, text = match.groups()
            if keyword in ("msgctxt", "msgid") and target and target[0].startswith("msgstr"):
                finish()
            entry.obsolete = entry.obsolete or obsolete
            value = unquote(text)
            if keyword == "msgctxt":
                entry.msgctxt, target = value, ("msgctxt",)
            elif keyword == "msgid":
                entry.msgid, target = value, ("msgid",)
            elif keyword == "msgid_plural":
                entry.msgid_plural, target = value, ("msgid_plural",)
            else:
                number = int(index or 0)
                entry.msgstr[number], target = value, ("msgstr", number)
        elif line.startswith('"') and target:
            value = unquote(line)
            if target[0] == "msgstr":
                entry.msgstr[target[1]] += value
            else:
                setattr(entry, target[0], getattr(entry, target[0]) + value)
        else:
            raise ValueError(f"{path}: cannot read {raw!r}")
    finish()
    return entries


def messages(path: Path) -> list[Entry]:
    """The live entries of a catalogue, without its header and obsolete entries."""
    return [e for e in read_po(path) if not e.obsolete and e.msgid]


def header(path: Path) -> str:
    return next(e.msgstr.get(0, "") for e in read_po(path) if not e.msgid and not e.obsolete)


def catalogues(root: Path) -> list[Path]:
    found = list(root.glob("locale/*/LC_MESSAGES/django.po"))
    found += root.glob("*/locale/*/LC_MESSAGES/django.po")
    return sorted(p for p in found if not NOT_SOURCE & set(p.relative_to(root).parts))


def language_of(path: Path) -> str:
    return path.parent.parent.name


CATALOGUES = catalogues(BASE)
IDS = [str(p.relative_to(BASE)) for p in CATALOGUES]


# --- (a) complete, no fuzzy entries, placeholders kept -------------------------------------


def test_every_interface_language_has_a_catalogue():
    central = {language_of(p) for p in CATALOGUES if p.relative_to(BASE).parts[0] == "locale"}
    assert central == {code for code, _ in settings.LANGUAGES}


@pytest.mark.parametrize("po", CATALOGUES, ids=IDS)
def test_catalogue_is_fully_translated_without_fuzzy_entries(po):
    entries = messages(po)
    fuzzy = [e.label for e in entries if "fuzzy" in e.flags]
    untranslated = [e.label for e in entries if not e.translated]
    assert not fuzzy, f"{po}: fuzzy entries (check, then remove the flag): {fuzzy}"
    assert not untranslated, f"{po}: untranslated entries: {untranslated}"
    assert "fuzzy" not in next(e.flags for e in read_po(po) if not e.msgid)


@pytest.mark.parametrize("po", CATALOGUES, ids=IDS)
def test_catalogue_declares_its_language_and_plural_forms(po):
    text = header(po)
    assert f"Language: {language_of(po)}\n" in text
    assert "Content-Type: text/plain; charset=UTF-8" in text
    expected = "plural=(n > 1);" if language_of(po) == "fr" else "plural=(n != 1);"
    assert f"Plural-Forms: nplurals=2; {expected}" in text


@pytest.mark.parametrize("po", CATALOGUES, ids=IDS)
def test_translations_keep_the_placeholders_of_their_source(po):
    wrong = []
    for e in messages(po):
        if "python-format" not in e.flags:
            continue
        source = e.msgid_plural or e.msgid  # every form keeps the count, the singular too
        for text in e.msgstr.values():
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text)):
                wrong.append((e.label, text))
    assert not wrong, wrong


def test_no_msgid_keeps_an_escape_that_python_decodes():
    """xgettext leaves \\u201c in a Python string as it is, but at run time the string holds “,
    so the lookup misses and the page stays English: write such characters literally."""
    escape = re.compile(r"\\(u[0-9a-fA-F]{4}|N\{|x[0-9a-fA-F]{2})")
    escaped = {e.label for po in CATALOGUES for e in messages(po) if escape.search(e.msgid)}
    assert not escaped, sorted(escaped)


@pytest.mark.parametrize("po", CATALOGUES, ids=IDS)
def test_plural_entries_have_both_forms(po):
    wrong = [e.label for e in messages(po) if e.msgid_plural and sorted(e.msgstr) != [0, 1]]
    assert not wrong, wrong


# --- (b) the committed .mo is the compiled .po ---------------------------------------------


def expected_catalog(po: Path) -> dict:
    catalog = {}
    for e in messages(po):
        if "fuzzy" in e.flags or not e.translated:
            continue  # msgfmt leaves these out
        key = f"{e.msgctxt}\x04{e.msgid}" if e.msgctxt is not None else e.msgid
        if e.msgid_plural is None:
            catalog[key] = e.msgstr[0]
        else:
            catalog.update({(key, n): text for n, text in e.msgstr.items()})
    return catalog


@pytest.mark.parametrize("po", CATALOGUES, ids=IDS)
def test_compiled_catalogue_is_up_to_date(po):
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run `make messages` and commit the .mo"
    with mo.open("rb") as handle:
        compiled = dict(gettext.GNUTranslations(handle)._catalog)
    compiled.pop("", None)  # the header
    expected = expected_catalog(po)
    missing = sorted(str(k) for k in expected.keys() - compiled.keys())
    stale = sorted(str(k) for k in expected.keys() & compiled.keys() if compiled[k] != expected[k])
    extra = sorted(str(k) for k in compiled.keys() - expected.keys())
    assert not (missing or stale or extra), (
        f"{mo} is out of date with its .po (run `make messages`): "
        f"missing {missing[:5]}, changed {stale[:5]}, removed {extra[:5]}"
    )


# --- (c) every string marked in the code is in the catalogues ------------------------------


@pytest.mark.skipif(
    not (shutil.which("xgettext") and shutil.which("msgmerge")),
    reason="GNU gettext (xgettext, msgmerge) is not installed: scripts/install-system-deps.sh",
)
def test_every_string_marked_in_the_code_is_translated(tmp_path):
    """makemessages on a copy of the tree: it must find nothing new, nothing fuzzy."""
    copy = tmp_path / "tree"
    shutil.copytree(
        BASE,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv",
            ".git",
            "node_modules",
            "var",
            "test-results",
            "__pycache__",
            ".*_cache",
            "*.sqlite3",
            "*.mo",
            "tests",
            "vendor",
        ),
    )
    env = {**os.environ, "DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "manage.py", *MAKEMESSAGES],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    problems = {}
    for po in catalogues(copy):
        if language_of(po) == "en":
            continue  # English is the source language: an empty msgstr shows the msgid
        entries = messages(po)
        bad = [e.label for e in entries if "fuzzy" in e.flags or not e.translated]
        if bad:
            problems[str(po.relative_to(copy))] = bad
    assert not problems, (
        "strings marked in the code but not (or no longer) translated; run `make messages`, "
        f"translate them and run it again: {problems}"
    )


# --- (d) pages in Dutch and French ---------------------------------------------------------


def page(client, language, path):
    response = client.get(f"/{language}{path}")
    assert response.status_code == 200, (language, path, response.status_code)
    text = html.unescape(response.content.decode())
    assert f'<html lang="{language}"' in text
    return text


EXPECTED_HOME = {
    "nl": ["Nationale actieplannen Vrouwen, Vrede en Veiligheid", "Plannen", "Taal"],
    "fr": ["Plans d’action nationaux sur les femmes, la paix et la sécurité", "Langue"],
    "en": ["National action plans on Women, Peace and Security", "Language"],
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_the_public_home_page_is_in_the_readers_language(client, language):
    text = page(client, language, "/")
    for expected in EXPECTED_HOME[language]:
        assert expected in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nl", ["Inloggen", "Gebruikersnaam", "Wachtwoord"]),
        ("fr", ["Se connecter", "Nom d’utilisateur", "Mot de passe"]),
    ],
)
def test_the_login_page_is_translated(client, language, expected):
    text = page(client, language, "/accounts/login/")
    for string in expected:
        assert string in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nl", ["Werklijst", "Waarover u rapporteert", "Niet begonnen", "Uitloggen"]),
        ("fr", ["Liste de travail", "Objet de la contribution", "Non commencé"]),
    ],
)
def test_the_worklist_of_an_editor_is_translated(client, language, expected):
    world = build_world()
    client.force_login(world.editor)
    text = page(client, language, "/report/")
    for string in expected:
        assert string in text
    assert "What you report on" not in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nl", ["Volledigheid van de rapportageronde 2022", "Tijdigheid", "Te beoordelen"]),
        ("fr", ["Complétude du cycle de rapportage 2022", "Respect des délais", "À examiner"]),
    ],
)
def test_the_completeness_dashboard_of_a_coordinator_is_translated(client, language, expected):
    world = build_world()
    client.force_login(world.coordinator)
    with translation.override(language):
        url = reverse("coordination:dashboard", args=[world.plan.slug, world.round.year])
    assert url.startswith(f"/{language}/")
    text = page(client, language, url.removeprefix(f"/{language}"))
    for string in expected:
        assert string in text
    assert "Completeness of the" not in text


def test_plural_forms_follow_the_language():
    singular, plural = "%(counter)s version", "%(counter)s versions"
    with translation.override("nl"):
        assert translation.ngettext(singular, plural, 0) == "%(counter)s versies"
        assert translation.ngettext(singular, plural, 1) == "%(counter)s versie"
    with translation.override("fr"):
        assert translation.ngettext(singular, plural, 0) == "%(counter)s version"
        assert translation.ngettext(singular, plural, 2) == "%(counter)s versions"


def test_translations_outside_a_request_follow_the_active_language():
    with translation.override("nl"):
        assert translation.gettext("Nothing to report") == "Niets te melden"
        assert translation.pgettext("strategic goal", "Goal") == "Doel"
    with translation.override("fr"):
        assert translation.gettext("No data available") == "Aucune donnée disponible"
