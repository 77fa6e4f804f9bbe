"""The entry form of the reporting workspace: figures per kind, texts, examples, references,
protected fields, locks and the query budget."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from reporting import access, workflow
from reporting.models import EntryComment, Example, ProgressEntry, ProgressValue, Reference
from tests.adminforms import form_data
from tests.factories import CategoryFactory, IndicatorFactory, ResponsibilityFactory, UserFactory
from tests.roles import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def change_url(entry):
    return reverse("workspace:reporting_progressentry_change", args=[entry.pk])


def start(world, indicator=None, organisation=None, user=None):
    indicator = indicator or world.indicator
    return workflow.start_entry(
        acting_user=user or world.editor,
        round_=world.round,
        organisation=organisation or world.ministry,
        goal=indicator.goal,
        subgoal=indicator.subgoal,
        indicator=indicator,
    )


def indicator_of_kind(world, kind, categories=2, **extra):
    indicator = IndicatorFactory(goal=world.goal, kind=kind, **extra)
    for n in range(categories):
        CategoryFactory(indicator=indicator, code=f"c{n}", position=n, label_nl=f"Categorie {n}")
    ResponsibilityFactory(organisation=world.ministry, goal=world.goal, indicator=indicator)
    return indicator


def errors_of(response):
    return response.context["adminform"].form.errors


# --- figures, texts and validation per kind -------------------------------------------------


def test_count_indicator_gets_one_whole_number_input_per_category_and_a_total(client, world):
    indicator = indicator_of_kind(world, "count", categories=3)
    entry = start(world, indicator)
    client.force_login(world.editor)

    response = client.get(change_url(entry))

    assert response.status_code == 200
    form = response.context["adminform"].form
    names = [f"value_{c.pk}" for c in indicator.categories.all()] + ["value_total"]
    assert all(name in form.fields for name in names)
    content = response.content.decode()
    for name in names:
        assert f'name="{name}"' in content
    assert "Categorie 2" in content
    assert 'name="currency"' not in content
    assert 'data-richtext="1"' in content  # the narrative is a rich-text textarea
    assert "vendor/quill/quill.js" in content and "workspace/richtext.js" in content


def test_saving_writes_figures_texts_and_references_in_one_go(client, world):
    indicator = indicator_of_kind(world, "count")
    first, second = indicator.categories.all()
    entry = start(world, indicator)
    client.force_login(world.editor)
    page = client.get(change_url(entry))

    response = client.post(
        change_url(entry),
        form_data(
            page,
            **{
                f"value_{first.pk}": "3",
                f"value_{second.pk}": "4",
                "value_total": "7",
                "narrative_nl": "<p>Zeven <strong>missies</strong></p><script>alert(1)</script>",
                "narrative_en": "<p>Seven missions</p>",
                "references-0-kind": "parliamentary_paper",
                "references-0-citation": "26 150, nr. 190",
                "references-0-title": "Kamerbrief",
                "_continue": "1",
            },
        ),
    )

    assert response.status_code == 302, errors_of(response)
    assert response["Location"] == change_url(entry)
    entry.refresh_from_db()
    assert entry.version == 2 and entry.status == "draft"
    assert entry.narrative_nl == "<p>Zeven <strong>missies</strong></p>"  # sanitised
    assert entry.narrative_en == "<p>Seven missions</p>"
    assert dict(entry.values.values_list("category_id", "value")) == {
        first.pk: 3,
        second.pk: 4,
        None: 7,
    }
    assert entry.references.get().citation == "26 150, nr. 190"
    assert entry.history.count() == 2
    page = client.get(change_url(entry))
    content = page.content.decode()
    assert "Saved (version 2)" in content
    assert f'name="value_{first.pk}" value="3"' in content


def test_emptying_a_figure_removes_it(client, world):
    indicator = indicator_of_kind(world, "count", categories=1)
    category = indicator.categories.get()
    entry = start(world, indicator)
    ProgressValue.objects.create(entry=entry, category=category, value=5)
    client.force_login(world.editor)
    page = client.get(change_url(entry))
    assert page.context["adminform"].form[f"value_{category.pk}"].value() == 5
    response = client.post(change_url(entry), form_data(page, **{f"value_{category.pk}": ""}))
    assert response.status_code == 302, errors_of(response)
    assert not entry.values.exists()


@pytest.mark.parametrize(
    ("kind", "changes", "field"),
    [
        ("count", {"value_total": "-2"}, "value_total"),
        ("count", {"value_total": "2.5"}, "value_total"),
        ("percentage", {"value_total": "101"}, "value_total"),
        ("percentage", {"value_total": "-1"}, "value_total"),
        ("amount", {"value_total": "1000", "currency": ""}, "currency"),
        ("amount", {"value_total": "1000", "currency": "euro"}, "currency"),
        ("count", {"not_reported": "nothing_to_report"}, "not_reported_reason_nl"),
        ("qualitative", {"not_reported": "no_data_available"}, "not_reported_reason_nl"),
    ],
)
def test_a_validation_error_is_shown_per_field_and_keeps_what_was_typed(
    client, world, kind, changes, field
):
    indicator = indicator_of_kind(
        world,
        kind,
        categories=0 if kind == "qualitative" else 1,
        currency="EUR" if kind == "amount" else "",
    )
    entry = start(world, indicator)
    client.force_login(world.editor)
    page = client.get(change_url(entry))
    typed = {
        "narrative_nl": "<p>Mijn getypte tekst</p>",
        "narrative_fr": "<p>Mon texte</p>",
    }
    if kind != "qualitative":
        category = indicator.categories.get()
        typed[f"value_{category.pk}"] = "12"

    response = client.post(change_url(entry), form_data(page, **typed, **changes))

    assert response.status_code == 200
    assert list(errors_of(response)) == [field]
    content = response.content.decode()
    assert "errornote" in content
    assert "&lt;p&gt;Mijn getypte tekst&lt;/p&gt;" in content
    assert "&lt;p&gt;Mon texte&lt;/p&gt;" in content
    if kind != "qualitative":
        assert f'name="value_{category.pk}" value="12"' in content
    for name, value in changes.items():
        if value and name.startswith("value_"):
            assert f'name="{name}" value="{value}"' in content
    entry.refresh_from_db()
    assert entry.version == 1 and not entry.narrative_nl and not entry.values.exists()


def test_nothing_to_report_with_a_reason_saves(client, world):
    entry = start(world)
    client.force_login(world.editor)
    page = client.get(change_url(entry))
    response = client.post(
        change_url(entry),
        form_data(
            page,
            not_reported="no_data_available",
            not_reported_reason_en="The survey runs every two years.",
        ),
    )
    assert response.status_code == 302, errors_of(response)
    entry.refresh_from_db()
    assert entry.not_reported == "no_data_available"
    assert entry.not_reported_reason_en == "The survey runs every two years."


def test_amount_takes_a_currency(client, world):
    indicator = indicator_of_kind(world, "amount", categories=0, currency="EUR")
    entry = start(world, indicator)
    client.force_login(world.editor)
    page = client.get(change_url(entry))
    assert page.context["adminform"].form["currency"].value() == "EUR"
    response = client.post(
        change_url(entry), form_data(page, value_total="2500000.50", currency="usd")
    )
    assert response.status_code == 302, errors_of(response)
    entry.refresh_from_db()
    assert entry.currency == "USD"
    assert entry.values.get().value == 2500000.50


def test_qualitative_indicator_takes_examples(client, world):
    indicator = indicator_of_kind(world, "qualitative", categories=0)
    entry = start(world, indicator)
    client.force_login(world.editor)
    page = client.get(change_url(entry))
    form = page.context["adminform"].form
    assert "value_total" not in form.fields
    assert [inline.formset.prefix for inline in page.context["inline_admin_formsets"]] == [
        "examples",
        "references",
    ]

    response = client.post(
        change_url(entry),
        form_data(
            page,
            narrative_nl="<p>Twee voorbeelden</p>",
            **{
                "examples-0-title_nl": "Shelter City",
                "examples-0-country": "NL",
                "examples-0-partner": "Justice & Peace",
                "examples-0-link": "https://sheltercity.nl/",
                "examples-0-description_nl": "<p>Tijdelijke <em>opvang</em></p>",
            },
        ),
    )

    assert response.status_code == 302, errors_of(response)
    example = Example.objects.get(entry=entry)
    assert (example.title_nl, example.country.code, example.partner) == (
        "Shelter City",
        "NL",
        "Justice & Peace",
    )
    assert example.description_nl == "<p>Tijdelijke <em>opvang</em></p>"


def test_an_example_needs_a_title(client, world):
    indicator = indicator_of_kind(world, "qualitative", categories=0)
    entry = start(world, indicator)
    client.force_login(world.editor)
    page = client.get(change_url(entry))
    response = client.post(
        change_url(entry), form_data(page, **{"examples-0-partner": "Zonder titel"})
    )
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert "title_nl" in formset.forms[0].errors
    assert not Example.objects.exists()


def test_the_plans_own_language_comes_first(client, world):
    world.plan.language = "fr"
    world.plan.save()
    entry = start(world)
    client.force_login(world.editor)
    response = client.get(change_url(entry))
    fields = [
        name
        for fieldset in response.context["adminform"]
        for line in fieldset
        for field in line
        for name in [field.field.name]
        if name.startswith("narrative_")
    ]
    assert fields == ["narrative_fr", "narrative_nl", "narrative_en"]


# --- what can never be changed through the form -------------------------------------------


def test_protected_fields_cannot_be_changed_by_posting_them(client, world):
    entry = start(world)
    other_indicator = indicator_of_kind(world, "count", categories=0)
    client.force_login(world.editor)
    page = client.get(change_url(entry))

    response = client.post(
        change_url(entry),
        form_data(
            page,
            narrative_nl="<p>Alleen de tekst verandert</p>",
            organisation=world.other.pk,
            round=world.round.pk + 1,
            goal=world.goal.pk + 1,
            indicator=other_indicator.pk,
            status="approved",
            approved_by=world.coordinator.pk,
            approved_at="2020-01-01 10:00",
            last_edited_by=world.focal.pk,
            version="99",
            submitted_by=world.focal.pk,
            published_at="2020-01-01 10:00",
        ),
    )

    assert response.status_code == 302, errors_of(response)
    entry.refresh_from_db()
    assert entry.narrative_nl == "<p>Alleen de tekst verandert</p>"
    assert (entry.organisation, entry.round, entry.goal, entry.indicator) == (
        world.ministry,
        world.round,
        world.goal,
        world.indicator,
    )
    assert entry.status == "draft"
    assert entry.approved_by is None and entry.approved_at is None
    assert entry.submitted_by is None and entry.published_at is None
    assert entry.last_edited_by == world.editor
    assert entry.version == 2


# --- other organisations' entries do not exist here -----------------------------------------


def test_another_organisations_entry_is_not_found(client, world):
    entry = start(world, organisation=world.other, user=world.other_editor)
    client.force_login(world.editor)
    base = change_url(entry).removesuffix("change/")
    for url in ("change/", "history/", "compare/"):
        assert client.get(base + url).status_code == 404, url
    for url in ("change/", "submit/", "copy-last-year/", "comment/"):
        response = client.post(
            base + url, {"narrative_nl": "<p>Overgenomen</p>", "expected_version": 1, "text": "x"}
        )
        assert response.status_code == 404, url
    entry.refresh_from_db()
    assert entry.version == 1 and not entry.narrative_nl
    assert not EntryComment.objects.exists()
    # nor in the list
    response = client.get(reverse("workspace:reporting_progressentry_changelist"))
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []


def test_a_coordinator_reads_other_entries_in_the_coordination_app_not_here(client, world):
    entry = start(world)
    client.force_login(world.coordinator)
    assert client.get(change_url(entry)).status_code == 404


def test_a_missing_entry_is_not_found(client, world):
    client.force_login(world.editor)
    assert client.get("/en/report/reporting/progressentry/987654/change/").status_code == 404
    assert client.get("/en/report/reporting/progressentry/abc/change/").status_code == 404
    assert client.get("/en/report/reporting/progressentry/add/").status_code == 404


# --- locked entries ------------------------------------------------------------------------


def submitted(world):
    entry = start(world)
    entry = ProgressEntry.objects.get(pk=entry.pk)
    entry.narrative_nl = "<p>Ingediend</p>"
    workflow.save_entry(acting_user=world.editor, entry=entry, expected_version=1)
    return workflow.submit_entry(acting_user=world.focal, entry=entry)


def lock(world, setup):
    """An entry in the state `setup`, and the user who looks at it."""
    if setup == "board":
        signatory = world.plan.participations.get(role="co_coordinator").organisation
        entry = ProgressEntry.objects.create(
            round=world.round, organisation=signatory, goal=world.goal, narrative_nl="<p>x</p>"
        )
        return entry, world.board
    entry = submitted(world)
    if setup in ("approved", "published"):
        workflow.approve_entry(acting_user=world.coordinator, entry=entry)
    if setup == "published":
        workflow.schedule_publication(acting_user=world.coordinator, round_=world.round)
    if setup in ("closed", "deadline"):
        workflow.return_entry(acting_user=world.coordinator, entry=entry, comment="Aanvullen")
        if setup == "closed":
            workflow.set_round_state(
                acting_user=world.coordinator, round_=world.round, state="closed"
            )
        else:
            world.round.deadline = timezone.localdate() - datetime.timedelta(days=1)
            world.round.save()
    return ProgressEntry.objects.get(pk=entry.pk), world.editor


@pytest.mark.parametrize(
    ("setup", "words"),
    [
        ("submitted", "awaits the coordinator"),
        ("approved", "Approved entries are locked"),
        ("published", "Published entries are locked"),
        ("closed", "is closed, not open"),
        ("deadline", "closed for editing on"),
        ("board", "not to your organisation"),
    ],
)
def test_a_locked_entry_shows_why_and_refuses_a_post(client, world, setup, words):
    entry, user = lock(world, setup)
    with translation.override("en"):
        reason = access.edit_denial(user, entry)
    assert words in reason
    client.force_login(user)

    response = client.get(change_url(entry))

    assert response.status_code == 200
    content = response.content.decode()
    assert "ws-locked" in content
    assert str(response.context["edit_denial"]) == reason
    assert 'name="narrative_nl"' not in content  # read-only: no inputs
    assert 'name="_continue"' not in content
    assert not response.context["inline_admin_formsets"]
    assert "<p>" in content and ("Ingediend" in content or setup == "board")

    version = entry.version
    response = client.post(
        change_url(entry),
        {"narrative_nl": "<p>Toch gewijzigd</p>", "expected_version": version, "_continue": "1"},
    )

    assert response.status_code == 403
    assert [str(m) for m in response.context["messages"]] == [reason]
    entry.refresh_from_db()
    assert entry.version == version and "Toch gewijzigd" not in (entry.narrative_nl or "")


def test_a_lock_exception_opens_an_approved_entry_again(client, world):
    entry, user = lock(world, "approved")
    workflow.grant_lock_exception(
        acting_user=world.coordinator,
        entry=entry,
        reason="Cijfer gecorrigeerd",
        until=timezone.now() + datetime.timedelta(days=1),
    )
    client.force_login(user)
    page = client.get(change_url(entry))
    assert page.context["edit_denial"] is None
    assert "Cijfer gecorrigeerd" in page.content.decode()
    response = client.post(change_url(entry), form_data(page, narrative_nl="<p>Gecorrigeerd</p>"))
    assert response.status_code == 302, errors_of(response)
    entry.refresh_from_db()
    assert entry.status == "draft"  # it needs a fresh review


# --- the entry page's query budget ---------------------------------------------------------


def grow(world, entry, indicator, n):
    """`n` more categories with values, examples, references, comments and other entries."""
    for _ in range(n):
        category = CategoryFactory(indicator=indicator)
        ProgressValue.objects.create(entry=entry, category=category, value=2)
        Example.objects.create(entry=entry, title_nl="Voorbeeld", country="NL")
        Reference.objects.create(entry=entry, kind="document", title="Rapport")
        EntryComment.objects.create(entry=entry, author=world.focal, text="Graag een bron")
        start(world, indicator_of_kind(world, "qualitative", categories=0))


@pytest.mark.parametrize("kind", ["count", "qualitative"])
def test_the_entry_page_has_a_fixed_number_of_queries(client, world, kind):
    indicator = indicator_of_kind(world, kind, categories=0)
    entry = start(world, indicator)
    client.force_login(world.editor)
    grow(world, entry, indicator, 1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(change_url(entry)).status_code == 200
    grow(world, entry, indicator, 10)
    with CaptureQueriesContext(connection) as many:
        response = client.get(change_url(entry))
    assert response.status_code == 200
    if kind == "count":
        assert len(response.context["adminform"].form.fields) >= 11
    else:
        assert len(response.context["inline_admin_formsets"][0].formset.forms) == 12
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]


def test_a_locked_entry_page_has_a_fixed_number_of_queries(client, world):
    entry, user = lock(world, "submitted")
    client.force_login(user)
    grow(world, entry, world.indicator, 1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(change_url(entry)).status_code == 200
    grow(world, entry, world.indicator, 10)
    with CaptureQueriesContext(connection) as many:
        assert client.get(change_url(entry)).status_code == 200
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]


def test_the_entry_list_shows_only_own_entries_and_labels_civil_society(client, world):
    mine = start(world)
    start(world, organisation=world.other, user=world.other_editor)
    client.force_login(world.editor)
    response = client.get(reverse("workspace:reporting_progressentry_changelist"))
    assert list(response.context["cl"].result_list) == [mine]
    signatory = world.plan.participations.get(role="co_coordinator").organisation
    volunteer = UserFactory(username="volunteer")
    volunteer.memberships.create(organisation=signatory, role="editor")
    ProgressEntry.objects.create(round=world.round, organisation=signatory, goal=world.goal)
    client.force_login(volunteer)
    response = client.get(reverse("workspace:reporting_progressentry_changelist"))
    assert "civil society" in response.content.decode()


def test_an_entry_locked_while_the_form_was_open_is_refused_on_save(client, world):
    entry = start(world)
    client.force_login(world.editor)
    page = client.get(change_url(entry))
    # Submitted by the focal point after the editor opened the form.
    entry.narrative_nl = "<p>Klaar</p>"
    workflow.save_entry(acting_user=world.editor, entry=entry, expected_version=1)
    workflow.submit_entry(acting_user=world.focal, entry=entry)

    response = client.post(change_url(entry), form_data(page, narrative_nl="<p>Te laat</p>"))

    assert response.status_code == 403
    assert ["awaits the coordinator" in str(m) for m in response.context["messages"]] == [True]
    entry.refresh_from_db()
    assert entry.narrative_nl == "<p>Klaar</p>"


def test_a_lock_that_workflow_finds_on_save_is_refused_too(client, world, monkeypatch):
    from django.core.exceptions import PermissionDenied

    entry = start(world)
    client.force_login(world.editor)
    page = client.get(change_url(entry))

    def locked_meanwhile(**kwargs):
        raise PermissionDenied("Locked a moment ago.")

    monkeypatch.setattr(workflow, "save_entry", locked_meanwhile)
    response = client.post(change_url(entry), form_data(page, narrative_nl="<p>Te laat</p>"))
    assert response.status_code == 403
    assert [str(m) for m in response.context["messages"]] == ["Locked a moment ago."]
    entry.refresh_from_db()
    assert not entry.narrative_nl
