"""The rich-text editor of the workspace: vendored (no CDN), a plain textarea without JavaScript,
and the server's sanitiser stays authoritative."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from napportal.richtext import sanitize_html
from reporting import workflow
from reporting.models import ProgressEntry
from tests.roles import build_world
from tests.test_workspace_entry import errors_of, form_data
from workspace.widgets import RichTextWidget

pytestmark = pytest.mark.django_db

# What Quill 2's getSemanticHTML() gives for each format its toolbar offers in
# static/workspace/richtext.js (after the script turns its &nbsp; back into spaces).
QUILL_OUTPUT = (
    "<h3>Kop</h3><h4>Subkop</h4>"
    "<p><strong>vet</strong> <em>schuin</em> <u>onderstreept</u> CO<sub>2</sub> m<sup>2</sup></p>"
    "<ol><li>een</li><li>twee</li></ol><ul><li>punt</li></ul>"
    "<blockquote>citaat</blockquote>"
    '<p><a href="https://www.rijksoverheid.nl/" rel="noopener noreferrer" target="_blank">'
    "link</a></p>"
)


@pytest.fixture
def world():
    return build_world()


def test_every_format_the_editor_offers_survives_the_sanitiser():
    cleaned = sanitize_html(QUILL_OUTPUT)
    assert cleaned == QUILL_OUTPUT.replace(' target="_blank"', "")


def test_the_editor_is_served_from_our_own_static_files():
    media = RichTextWidget().media
    scripts = [str(path) for path in media._js]
    styles = [str(path) for paths in media._css.values() for path in paths]
    assert scripts == ["vendor/quill/quill.js", "workspace/richtext.js"]
    for path in [*scripts, *styles, "vendor/quill/LICENSE"]:
        assert not path.startswith(("http:", "https:", "//"))
        assert finders.find(path), path


def test_the_editor_script_only_offers_formats_the_sanitiser_keeps():
    with open(finders.find("workspace/richtext.js"), encoding="utf-8") as file:
        script = file.read()
    formats = re.search(r"var FORMATS = \[([^\]]*)\]", script).group(1)
    offered = set(re.findall(r'"([a-z]+)"', formats))
    assert offered == {
        "header",
        "bold",
        "italic",
        "underline",
        "script",
        "list",
        "blockquote",
        "link",
    }


def test_without_javascript_the_narrative_is_a_plain_textarea_and_no_script_is_inline(
    client, world
):
    entry = workflow.start_entry(
        acting_user=world.editor,
        round_=world.round,
        organisation=world.ministry,
        goal=world.goal,
        indicator=world.indicator,
    )
    client.force_login(world.editor)
    content = client.get(
        reverse("workspace:reporting_progressentry_change", args=[entry.pk])
    ).content.decode()
    assert re.search(r'<textarea name="narrative_nl"[^>]*data-richtext="1"', content)
    scripts = re.findall(r"<script\b[^>]*>", content)
    assert scripts and all("src=" in tag for tag in scripts), scripts
    assert "cdn" not in content.lower()


def test_what_is_posted_is_sanitised_and_no_language_borrows_another(client, world):
    entry = workflow.start_entry(
        acting_user=world.editor,
        round_=world.round,
        organisation=world.ministry,
        goal=world.goal,
        indicator=world.indicator,
    )
    url = reverse("workspace:reporting_progressentry_change", args=[entry.pk])
    client.force_login(world.editor)
    page = client.get(url)
    response = client.post(
        url,
        form_data(
            page,
            narrative_en=(
                '<p style="color:red" onclick="steal()">Only in English</p>'
                "<script>alert(1)</script><iframe src='https://evil.example'></iframe>"
                '<a href="javascript:alert(1)">x</a>'
            ),
        ),
    )
    assert response.status_code == 302, errors_of(response)
    entry = ProgressEntry.objects.get(pk=entry.pk)
    assert entry.narrative_en == '<p>Only in English</p><a rel="noopener noreferrer">x</a>'
    # An empty Dutch text stays empty: the English one is not copied into it on save.
    assert entry.narrative_nl in ("", None)
    assert entry.narrative_fr in ("", None)
