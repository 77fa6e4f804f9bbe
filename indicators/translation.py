from modeltranslation.translator import TranslationOptions, register

from .models import DisaggregationCategory, Goal, Indicator, Organisation, Plan, Subgoal


@register(Organisation)
class OrganisationTranslation(TranslationOptions):
    fields = ("name", "abbreviation")


@register(Plan)
class PlanTranslation(TranslationOptions):
    fields = ("title", "description")


@register(Goal)
class GoalTranslation(TranslationOptions):
    fields = ("title", "description")


@register(Subgoal)
class SubgoalTranslation(TranslationOptions):
    fields = ("title",)


@register(Indicator)
class IndicatorTranslation(TranslationOptions):
    fields = ("text", "unit")


@register(DisaggregationCategory)
class DisaggregationCategoryTranslation(TranslationOptions):
    fields = ("label",)
