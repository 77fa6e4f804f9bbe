import pytest
from django.core.management import call_command


@pytest.fixture
def client():
    """Django's test client, whose force_login also passes the second factor (tests/otp.py)."""
    from tests.otp import VerifiedClient

    return VerifiedClient()


@pytest.fixture
def demo(db):
    """The demo data set: the Dutch NAP1325-IV with its 2021 report."""
    call_command("load_demo", verbosity=0)


@pytest.fixture(autouse=True)
def english_unless_asked():
    """Tests expect English texts: English is active outside a request (validation errors, mail,
    `reverse()` gives /en/ URLs). A page follows its URL's language prefix, so /nl/ and /fr/ pages
    come out translated; a test of a translation asks for its language itself."""
    from django.utils import translation

    with translation.override("en"):
        yield
