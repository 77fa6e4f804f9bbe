"""The links in mails lead to the pages they name, in the recipient's language."""

from urllib.parse import urlsplit

import pytest
from django.urls import resolve
from django.utils import translation

from notifications import links
from tests.factories import EntryFactory, RoundFactory

pytestmark = pytest.mark.django_db


def view_of(url: str, language: str) -> str:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == "http://127.0.0.1:8000"
    with translation.override(language):
        return resolve(parts.path).view_name


@pytest.mark.parametrize("language", ["nl", "en", "fr"])
def test_links_resolve_to_the_workspace_and_coordination_pages(language):
    round_ = RoundFactory()
    entry = EntryFactory(round=round_)

    assert urlsplit(links.worklist_url(language)).path == f"/{language}/report/"
    expected = {
        links.worklist_url(language): "workspace:index",
        links.entry_url(entry.pk, language): "workspace:reporting_progressentry_change",
        links.review_url(entry, language): "coordination:review",
        links.review_queue_url(round_, language): "coordination:queue",
        links.dashboard_url(round_, language): "coordination:dashboard",
    }
    for url, view_name in expected.items():
        assert urlsplit(url).path.startswith(f"/{language}/")
        assert view_of(url, language) == view_name
