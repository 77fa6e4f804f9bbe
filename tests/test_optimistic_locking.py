"""Optimistic locking beyond the entry form: rounds in the coordination pages, and the change
forms of the Django admin (letters, signatures, final-report texts, rounds, entries). A save on
a stale version is refused, the user's input is kept, and nothing is overwritten."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from indicators.models import (
    DisaggregationCategory,
    Goal,
    Indicator,
    Organisation,
    Plan,
    PlanOrganisation,
    Responsibility,
    Subgoal,
)
from napportal.locking import EditConflict, VersionedFormMixin
from reporting import workflow
from reporting.models import (
    CoverLetter,
    Example,
    LetterSignature,
    PlanNarrative,
    ProgressEntry,
    ReportingRound,
)
from reporting.services import upsert_letter, upsert_round
from tests.adminforms import form_data
from tests.factories import EntryFactory, UserFactory
from tests.roles import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def admin_user():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def admin_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def letter_for(round_):
    letter = CoverLetter.objects.create(round=round_, subject_nl="Brief", body_nl="<p>Tekst</p>")
    LetterSignature.objects.create(letter=letter, position=0, title_nl="Minister", name="A")
    return letter


def narrative_for(plan):
    return PlanNarrative.objects.create(
        plan=plan, kind=PlanNarrative.Kind.SECTION, title_nl="Thema", body_nl="<p>Tekst</p>"
    )


# --- the Django admin ------------------------------------------------------------------------

# (how to make the object, a text field of its change form, the model)
ADMIN_CASES = {
    "letter": (lambda w: letter_for(w.round), "body_nl"),
    "signature": (lambda w: letter_for(w.round).signatures.get(), "name"),
    "narrative": (lambda w: narrative_for(w.plan), "body_nl"),
    "round": (lambda w: w.round, "deadline"),
    "entry": (
        lambda w: EntryFactory(
            round=w.round, organisation=w.ministry, goal=w.goal, indicator=w.indicator
        ),
        "narrative_nl",
    ),
}


def _typed(field, n):
    if field == "deadline":
        return (timezone.localdate() + datetime.timedelta(days=40 + n)).isoformat()
    if field == "name":
        return f"Naam {n}"
    return f"<p>Tekst van {n}</p>"


@pytest.mark.parametrize("case", ADMIN_CASES)
def test_admin_change_form_refuses_a_stale_version_and_keeps_the_typed_text(
    client, world, admin_user, case
):
    make, field = ADMIN_CASES[case]
    obj = make(world)
    model = type(obj)
    client.force_login(admin_user)
    url = admin_url(obj)

    mine = client.get(url)
    assert mine.status_code == 200
    assert f'name="expected_version" value="{obj.version}"' in mine.content.decode()
    theirs = client.get(url)
    # Someone else saves first ...
    response = client.post(url, form_data(theirs, **{field: _typed(field, 1)}))
    assert response.status_code == 302, response.context["adminform"].form.errors
    saved = model.objects.get(pk=obj.pk)
    assert saved.version == obj.version + 1

    # ... then the stale form: refused, their text stays, mine is still in the form.
    response = client.post(url, form_data(mine, **{field: _typed(field, 2)}))
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert any("while you were editing" in str(error) for error in errors)
    assert model.objects.get(pk=obj.pk).version == saved.version
    assert str(getattr(model.objects.get(pk=obj.pk), field)) == str(getattr(saved, field))
    content = response.content.decode()
    assert _typed(field, 2).replace("<", "&lt;").replace(">", "&gt;") in content or (
        _typed(field, 2) in content
    )
    # The form now carries the saved version: saving again is a deliberate replacement.
    assert f'name="expected_version" value="{saved.version}"' in content
    response = client.post(url, form_data(response, **{field: _typed(field, 2)}))
    assert response.status_code == 302
    assert model.objects.get(pk=obj.pk).version == saved.version + 1


def test_admin_inline_rows_carry_their_own_version(client, world, admin_user):
    letter = letter_for(world.round)
    signature = letter.signatures.get()
    client.force_login(admin_user)
    page = client.get(admin_url(letter))
    # A signature is changed on its own page in between ...
    signature.name = "Someone else's"
    signature.version += 1
    signature.save()
    # ... so the letter's form may not write its stale copy of that row back.
    response = client.post(
        admin_url(letter), form_data(page, **{"signatures-0-name": "Mine", "body_nl": "<p>B</p>"})
    )
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert "while you were editing" in str(formset.errors)
    assert LetterSignature.objects.get().name == "Someone else's"
    assert CoverLetter.objects.get().body_nl == "<p>Tekst</p>"  # all or nothing

    # An untouched row with a stale version overwrites nothing, so it is no conflict.
    page = client.get(admin_url(letter))
    LetterSignature.objects.filter(pk=signature.pk).update(version=signature.version + 1)
    response = client.post(admin_url(letter), form_data(page, body_nl="<p>Nieuw</p>"))
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.body_nl == "<p>Nieuw</p>"


def test_admin_adds_without_a_version(client, world, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:reporting_plannarrative_add")
    response = client.post(
        url,
        {
            "plan": world.plan.pk,
            "kind": "section",
            "position": 0,
            "title_nl": "Nieuw thema",
            "status": "draft",
            "expected_version": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert PlanNarrative.objects.get().version == 1


def test_every_admin_of_a_model_with_a_version_checks_it(rf, admin_user):
    from django.contrib import admin

    from napportal.locking import VersionedAdminMixin

    versioned = [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if any(field.name == "version" for field in model._meta.fields)
    ]
    assert {model for model, _admin in versioned} >= {
        ReportingRound,
        ProgressEntry,
        CoverLetter,
        LetterSignature,
        PlanNarrative,
        Plan,
        PlanOrganisation,
        Organisation,
        Goal,
        Subgoal,
        Indicator,
        DisaggregationCategory,
        Responsibility,
    }
    request = rf.get("/")
    request.user = admin_user
    for model, model_admin in versioned:
        assert isinstance(model_admin, VersionedAdminMixin), model._meta.label
        assert issubclass(model_admin.get_form(request), VersionedFormMixin)


# --- rounds in the coordination pages --------------------------------------------------------


def test_round_state_needs_the_version_the_page_showed(client, world):
    client.force_login(world.coordinator)
    page = client.get(reverse("coordination:plan", args=[world.plan.slug]))
    assert f'name="version" value="{world.round.version}"' in page.content.decode()
    url = reverse("coordination:round-state", args=[world.plan.slug, world.round.year])
    # Another coordinator closes and reopens the round meanwhile.
    for state in ("closed", "open"):
        workflow.set_round_state(
            acting_user=world.second_coordinator, round_=world.round, state=state
        )
    version = ReportingRound.objects.get(pk=world.round.pk).version
    assert version == world.round.version + 2

    response = client.post(url, {"state": "closed", "version": world.round.version}, follow=True)
    assert "Someone else changed the 2022 round" in response.content.decode()
    round_ = ReportingRound.objects.get(pk=world.round.pk)
    assert (round_.state, round_.version) == ("open", version)

    response = client.post(url, {"state": "closed", "version": version}, follow=True)
    round_.refresh_from_db()
    assert (round_.state, round_.version) == ("closed", version + 1)
    assert "is now closed" in response.content.decode()


def test_publication_needs_the_version_the_page_showed(client, world):
    EntryFactory(
        round=world.round,
        organisation=world.ministry,
        goal=world.goal,
        indicator=world.indicator,
        status=ProgressEntry.Status.APPROVED,
    )
    client.force_login(world.coordinator)
    page = client.get(reverse("coordination:plan", args=[world.plan.slug]))
    prefix = f"round-{world.round.pk}"
    assert f'name="{prefix}-version" value="{world.round.version}"' in page.content.decode()
    url = reverse("coordination:publication", args=[world.plan.slug, world.round.year])
    workflow.set_round_state(
        acting_user=world.second_coordinator, round_=world.round, state="closed"
    )

    response = client.post(
        url, {f"{prefix}-now": "1", f"{prefix}-version": world.round.version}, follow=True
    )
    assert "Someone else changed the 2022 round" in response.content.decode()
    assert not ProgressEntry.objects.filter(status=ProgressEntry.Status.PUBLISHED).exists()

    current = ReportingRound.objects.get(pk=world.round.pk).version
    client.post(url, {f"{prefix}-now": "1", f"{prefix}-version": current})
    assert ProgressEntry.objects.filter(status=ProgressEntry.Status.PUBLISHED).count() == 1


def test_schedule_publication_and_state_refuse_a_stale_version(world):
    EntryFactory(
        round=world.round,
        organisation=world.ministry,
        goal=world.goal,
        indicator=world.indicator,
        status=ProgressEntry.Status.APPROVED,
    )
    stale = world.round.version
    later = timezone.now() + datetime.timedelta(days=3)
    round_ = workflow.schedule_publication(
        acting_user=world.coordinator, round_=world.round, at=later, expected_version=stale
    )
    assert round_.version == stale + 1
    with pytest.raises(EditConflict):
        workflow.schedule_publication(
            acting_user=world.second_coordinator, round_=world.round, expected_version=stale
        )
    with pytest.raises(EditConflict):
        workflow.set_round_state(
            acting_user=world.second_coordinator,
            round_=world.round,
            state="closed",
            expected_version=stale,
        )
    assert ReportingRound.objects.get(pk=world.round.pk).publish_at == later
    # Publishing (here at the embargo, by the job) raises the version too.
    workflow.publish_due_rounds(now=later + datetime.timedelta(minutes=1))
    published = ReportingRound.objects.get(pk=world.round.pk)
    assert published.state == ReportingRound.State.PUBLISHED
    assert published.version == stale + 2


# --- the loaders ---------------------------------------------------------------------------------


def test_loading_changed_letters_and_rounds_raises_their_version(world):
    round_ = world.round
    upsert_round(
        plan=world.plan,
        year=round_.year,
        opens_on=round_.opens_on,
        deadline=round_.deadline,
        state=round_.state,
    )
    assert ReportingRound.objects.get(pk=round_.pk).version == round_.version  # unchanged
    upsert_round(
        plan=world.plan,
        year=round_.year,
        opens_on=round_.opens_on,
        deadline=round_.deadline + datetime.timedelta(days=1),
        state=round_.state,
    )
    assert ReportingRound.objects.get(pk=round_.pk).version == round_.version + 1

    letter = upsert_letter(round_=round_, subject="Brief", body="<p>a</p>")
    assert letter.version == 1
    upsert_letter(round_=round_, subject="Brief", body="<p>a</p>")
    assert CoverLetter.objects.get().version == 1
    upsert_letter(round_=round_, subject="Brief", body="<p>b</p>")
    assert CoverLetter.objects.get().version == 2


def test_admin_inline_only_changes_on_a_stale_page_are_refused(client, world, admin_user):
    entry = ADMIN_CASES["entry"][0](world)
    client.force_login(admin_user)
    page = client.get(admin_url(entry))
    ProgressEntry.objects.filter(pk=entry.pk).update(narrative_en="<p>Theirs</p>", version=2)
    # Only a reference is added; the entry's own fields are as the page showed them.
    data = form_data(
        page,
        **{
            "references-TOTAL_FORMS": "1",
            "references-0-kind": "document",
            "references-0-title": "Mine",
            "references-0-position": "0",
        },
    )
    response = client.post(admin_url(entry), data)
    assert response.status_code == 200
    assert "while you were editing" in str(response.context["adminform"].form.non_field_errors())
    assert not entry.references.exists()
    assert ProgressEntry.objects.get(pk=entry.pk).narrative_en == "<p>Theirs</p>"


def test_admin_changes_to_an_entrys_rows_raise_the_entrys_version(client, world, admin_user):
    entry = ADMIN_CASES["entry"][0](world)
    example = Example.objects.create(entry=entry, title_nl="Voorbeeld")
    client.force_login(admin_user)
    url = reverse("admin:reporting_example_change", args=[example.pk])
    response = client.post(url, form_data(client.get(url), title_nl="Ander voorbeeld"))
    assert response.status_code == 302
    assert ProgressEntry.objects.get(pk=entry.pk).version == entry.version + 1
    # So the editor who had the entry open gets a conflict instead of writing old rows back.
    with pytest.raises(EditConflict):
        workflow.save_entry(acting_user=world.editor, entry=entry, expected_version=entry.version)
    delete = reverse("admin:reporting_example_delete", args=[example.pk])
    client.post(delete, {"post": "yes"})
    assert ProgressEntry.objects.get(pk=entry.pk).version == entry.version + 2
