import pytest
from django.core.management import call_command


@pytest.fixture
def demo(db):
    """The demo data set: the Dutch NAP1325-IV with its 2021 report."""
    call_command("load_demo", verbosity=0)
