import pytest
from tests.test_xss_corpus import *  # noqa
from tests import test_xss_corpus as x

@pytest.fixture(autouse=True)
def no_sanitising(monkeypatch):
    monkeypatch.setattr("napportal.richtext.sanitize_html", lambda v: v)

def test_mut_review(client, world, shown):
    with pytest.raises(AssertionError):
        x.test_coordination_review_page_shows_no_script(client, world, shown)

def test_mut_public(client, world, shown):
    with pytest.raises(AssertionError):
        x.test_public_pages_show_no_script(client, world, shown)

def test_mut_report(world, shown):
    with pytest.raises(AssertionError):
        x.test_report_html_shows_no_script(world, shown, "goal", "en")
