"""Many editors saving the same objects at once, on PostgreSQL: every save either wins (and
raises the version by exactly one) or gets an EditConflict. Nothing is overwritten silently.

Each thread has its own database connection, so the row locks and the version checks meet
real concurrency. SQLite serialises all writers, so these tests only run on PostgreSQL (CI's
PostgreSQL stage: DATABASE_URL=postgres://... pytest tests/test_concurrency.py).
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from dataclasses import dataclass, field

import pytest
from django.db import connection, connections, transaction
from django.utils import translation

from accounts.models import Membership
from napportal.locking import EditConflict, versioned_form
from reporting import services, workflow
from reporting.models import CoverLetter, ProgressEntry, ReportingRound
from tests.factories import MembershipFactory, UserFactory
from tests.roles import build_world

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite runs one writer at a time, so nothing would interleave "
        "(run with DATABASE_URL=postgres://...)",
    ),
    pytest.mark.django_db(transaction=True),
]

EDITORS = 8
SAVES = 25


@dataclass
class Outcome:
    wins: list = field(default_factory=list)  # (new version, text)
    conflicts: int = 0
    errors: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def run_editors(work, editors: int = EDITORS) -> Outcome:
    """Run `work(number, outcome)` in `editors` threads that start together."""
    outcome = Outcome()
    start = threading.Barrier(editors)

    def thread(number):
        try:
            start.wait()
            # A new thread starts in the default language (Dutch); the tests read English.
            translation.activate("en")
            work(number, outcome)
        except Exception as exc:  # reported by the test, not lost in a thread
            with outcome.lock:
                outcome.errors.append(repr(exc))
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=thread, args=(n,)) for n in range(editors)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "an editor hung"
    assert outcome.errors == []
    return outcome


def pause():
    # Between reading and saving, as a person types: lets the other editors interleave.
    time.sleep(random.uniform(0, 0.004))


def assert_no_lost_saves(outcome: Outcome, first_version: int, final_version: int, attempts):
    versions = sorted(version for version, _text in outcome.wins)
    assert len(outcome.wins) + outcome.conflicts == attempts
    assert outcome.wins and outcome.conflicts, "the editors did not interleave"
    # Each win raised the version by exactly one: the winners' versions are consecutive, so no
    # save was applied on top of another without seeing it.
    assert versions == list(range(first_version + 1, first_version + 1 + len(versions)))
    assert final_version == versions[-1]


def test_interleaved_entry_saves_lose_nothing():
    check_entry_saves(importer=False)


def test_an_import_among_the_editors_loses_nothing():
    """One thread loads the entry as the spreadsheet import does (reporting.services.upsert_entry,
    which names no version but locks the row and raises the version): the editors who opened
    the entry before it get a conflict, nobody's text disappears."""
    check_entry_saves(importer=True)


def check_entry_saves(*, importer: bool):
    world = build_world()
    editors = [world.editor] + [
        MembershipFactory(
            user=UserFactory(username=f"editor-{n}"),
            organisation=world.ministry,
            role=Membership.Role.EDITOR,
        ).user
        for n in range(1, EDITORS)
    ]
    entry = workflow.start_entry(
        acting_user=world.editor,
        round_=world.round,
        organisation=world.ministry,
        goal=world.goal,
        indicator=world.indicator,
    )
    first_version = entry.version

    def work(number, outcome):
        for save in range(SAVES):
            if importer and number == 0:
                text = f"<p>Import {save}</p>"
                pause()
                loaded = services.upsert_entry(
                    round_=world.round,
                    organisation=world.ministry,
                    goal=world.goal,
                    indicator=world.indicator,
                    narrative={"nl": text},
                )
                with outcome.lock:
                    outcome.wins.append((loaded.version, text))
                continue
            mine = ProgressEntry.objects.get(pk=entry.pk)
            opened_on = mine.version
            text = f"<p>Editor {number}, save {save}</p>"
            mine.narrative_nl = text
            pause()
            try:
                saved = workflow.save_entry(
                    acting_user=editors[number], entry=mine, expected_version=opened_on
                )
            except EditConflict:
                with outcome.lock:
                    outcome.conflicts += 1
            else:
                assert saved.version == opened_on + 1
                with outcome.lock:
                    outcome.wins.append((saved.version, text))

    outcome = run_editors(work)
    final = ProgressEntry.objects.get(pk=entry.pk)
    assert_no_lost_saves(outcome, first_version, final.version, EDITORS * SAVES)
    last_text = max(outcome.wins)[1]
    assert final.narrative_nl == last_text
    # The history holds every winning save with its own text: nothing was overwritten.
    by_version = dict(final.history.values_list("version", "narrative_nl"))
    for version, text in outcome.wins:
        assert by_version[version] == text


def test_interleaved_admin_form_saves_lose_nothing():
    """The Django admin's change forms (napportal.locking.VersionedFormMixin): the check and
    the save in one transaction, as the admin runs them."""
    from django import forms

    world = build_world()
    letter = CoverLetter.objects.create(round=world.round, subject_nl="Brief")
    form_class = versioned_form(
        forms.modelform_factory(CoverLetter, fields=["subject_nl", "body_nl"])
    )

    def work(number, outcome):
        for save in range(SAVES):
            opened = CoverLetter.objects.get(pk=letter.pk)
            text = f"<p>Editor {number}, save {save}</p>"
            data = {"subject_nl": "Brief", "body_nl": text, "expected_version": opened.version}
            pause()
            with transaction.atomic():
                form = form_class(data, instance=CoverLetter.objects.get(pk=letter.pk))
                if form.is_valid():
                    saved = form.save()
                    with outcome.lock:
                        outcome.wins.append((saved.version, text))
                    continue
            assert "while you were editing" in str(form.non_field_errors())
            with outcome.lock:
                outcome.conflicts += 1

    outcome = run_editors(work)
    final = CoverLetter.objects.get(pk=letter.pk)
    assert_no_lost_saves(outcome, 1, final.version, EDITORS * SAVES)
    assert final.body_nl == max(outcome.wins)[1]


def test_interleaved_round_changes_lose_nothing():
    world = build_world()
    coordinators = [world.coordinator, world.second_coordinator]
    first_version = world.round.version

    def work(number, outcome):
        for _save in range(SAVES):
            seen = ReportingRound.objects.get(pk=world.round.pk)
            wanted = "closed" if seen.state == "open" else "open"
            pause()
            try:
                changed = workflow.set_round_state(
                    acting_user=coordinators[number % 2],
                    round_=seen,
                    state=wanted,
                    expected_version=seen.version,
                )
            except EditConflict:
                with outcome.lock:
                    outcome.conflicts += 1
            else:
                with outcome.lock:
                    outcome.wins.append((changed.version, wanted))

    outcome = run_editors(work)
    final = ReportingRound.objects.get(pk=world.round.pk)
    assert_no_lost_saves(outcome, first_version, final.version, EDITORS * SAVES)
    assert final.state == max(outcome.wins)[1]
    # Every winning change flipped the state the previous winner left.
    states = [state for _version, state in sorted(outcome.wins)]
    assert all(a != b for a, b in itertools.pairwise(states))
