"""No lost updates: two people edit the same entry; the second save shows both versions.

Runs on whatever database the suite uses: set DATABASE_URL to a PostgreSQL URL (for instance
`make test-postgres`) and the same test runs there, where workflow.save_entry locks the row.
"""

import re

import pytest
from django.urls import reverse

from reporting import workflow
from tests.otp import VerifiedClient as Client
from tests.roles import build_world
from tests.test_workspace_entry import errors_of, form_data

pytestmark = pytest.mark.django_db


def test_a_stale_save_shows_both_versions_and_keeps_the_second_users_text():
    world = build_world()
    world.focal.first_name, world.focal.last_name = "Fatima", "Focal"
    world.focal.save()
    entry = workflow.start_entry(
        acting_user=world.editor,
        round_=world.round,
        organisation=world.ministry,
        goal=world.goal,
        indicator=world.indicator,
    )
    url = reverse("workspace:reporting_progressentry_change", args=[entry.pk])
    editor, focal = Client(), Client()
    editor.force_login(world.editor)
    focal.force_login(world.focal)

    # Both open version 1.
    editor_page = editor.get(url)
    focal_page = focal.get(url)
    assert editor_page.context["adminform"].form["expected_version"].value() == 1

    # The focal point saves first.
    saved = focal.post(url, form_data(focal_page, narrative_nl="<p>Tekst van de focal point</p>"))
    assert saved.status_code == 302, errors_of(saved)

    # The editor saves on version 1: refused, and shown both.
    response = editor.post(
        url, form_data(editor_page, narrative_nl="<p>Tekst van de editor</p>", value_total="8")
    )

    assert response.status_code == 200
    content = response.content.decode()
    entry.refresh_from_db()
    assert entry.version == 2 and entry.narrative_nl == "<p>Tekst van de focal point</p>"
    assert not entry.values.exists()
    message = re.search(r"Someone else saved this entry at (\d\d:\d\d) \(([^)]*)\)", content)
    assert message, content
    assert message.group(2) == "Fatima Focal"
    assert "Your text is kept below; compare it with the saved version and save again." in content
    # the saved version, read-only, beside the form ...
    assert response.context["conflict"].version == 2
    assert "<p>Tekst van de focal point</p>" in content
    # ... and the editor's own text and figure still in the form, now on version 2
    assert "&lt;p&gt;Tekst van de editor&lt;/p&gt;" in content
    assert 'name="value_total" value="8"' in content
    form = response.context["adminform"].form
    assert form["expected_version"].value() == "2"

    # After comparing, the editor saves again: it goes in.
    again = editor.post(url, form_data(response))
    assert again.status_code == 302, errors_of(again)
    entry.refresh_from_db()
    assert entry.version == 3
    assert entry.narrative_nl == "<p>Tekst van de editor</p>"
    assert entry.values.get().value == 8
    assert [r.history_user for r in entry.history.order_by("history_id")][-2:] == [
        world.focal,
        world.editor,
    ]
