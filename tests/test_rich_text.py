"""Rich text is sanitised in every language column, however it is written."""

import pytest

from napportal.richtext import sanitize_html
from reporting.models import ProgressEntry
from tests.factories import EntryFactory

pytestmark = pytest.mark.django_db

PAYLOAD = (
    '<p onclick="x()">Tekst<script>alert(1)</script> <a href="javascript:alert(1)">link</a></p>'
)


@pytest.mark.parametrize("language", ["nl", "en", "fr"])
def test_saving_sanitises_each_language_column(language):
    entry = EntryFactory()
    setattr(entry, f"narrative_{language}", PAYLOAD)
    entry.save()

    stored = ProgressEntry.objects.values_list(f"narrative_{language}", flat=True).get()
    assert "<script" not in stored
    assert "onclick" not in stored
    assert "javascript:" not in stored
    assert "Tekst" in stored


def test_queryset_update_sanitises_too():
    entry = EntryFactory()
    ProgressEntry.objects.filter(pk=entry.pk).update(narrative_en=PAYLOAD)
    entry.refresh_from_db()
    assert "<script" not in entry.narrative_en


def test_allowed_markup_survives_and_links_get_a_safe_rel():
    html = sanitize_html(
        '<p><strong>a</strong> <em>b</em></p><ul><li><a href="https://x.nl">c</a></li></ul>'
    )
    assert "<strong>a</strong>" in html
    assert "<li>" in html
    assert 'rel="noopener noreferrer"' in html


def test_saving_does_not_copy_a_fallback_into_the_active_language():
    from django.utils import translation

    entry = EntryFactory(narrative_nl="", narrative_fr="<p>Texte français</p>")
    with translation.override("nl"):
        entry.save()
        entry.save()  # a write-back of the fallback would be stored by the second save
    entry.refresh_from_db()
    assert entry.narrative_nl == ""
    assert entry.narrative_fr == "<p>Texte français</p>"
