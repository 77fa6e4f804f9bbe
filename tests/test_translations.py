"""Texts are kept in Dutch, English and French and fall back to the plan's own language."""

import pytest
from django.utils import translation

from indicators.i18n import localized
from tests.factories import GoalFactory, PlanFactory

pytestmark = pytest.mark.django_db


def test_text_in_the_readers_language_is_used_when_present():
    goal = GoalFactory(title_nl="Participatie", title_en="Participation")
    text = localized(goal, "title", "en")
    assert (text.text, text.language, text.is_fallback) == ("Participation", "en", False)


def test_missing_translation_falls_back_to_the_plans_own_language():
    belgian = PlanFactory(language="fr", slug="be-3")
    goal = GoalFactory(plan=belgian, title_nl="", title_en="", title_fr="Participation des femmes")
    goal.title_nl = "Deelname"  # another language also present: the plan's own wins
    goal.save()

    text = localized(goal, "title", "en")

    assert text.text == "Participation des femmes"
    assert text.language == "fr"
    assert text.is_fallback


def test_attribute_access_follows_the_active_language():
    goal = GoalFactory(title_nl="Preventie", title_en="Prevention")
    with translation.override("en"):
        assert goal.title == "Prevention"
    with translation.override("fr"):
        assert goal.title == "Preventie"  # nothing in French: the default language
