from modeltranslation.translator import TranslationOptions, register
from simple_history import register as register_history

from .models import (
    CoverLetter,
    Example,
    LetterSignature,
    PlanNarrative,
    ProgressEntry,
    ProgressValue,
    Reference,
)


@register(ProgressEntry)
class ProgressEntryTranslation(TranslationOptions):
    fields = ("narrative", "not_reported_reason")


@register(Example)
class ExampleTranslation(TranslationOptions):
    fields = ("title", "description")


@register(CoverLetter)
class CoverLetterTranslation(TranslationOptions):
    fields = ("sender", "addressee", "subject", "salutation", "body")


@register(LetterSignature)
class LetterSignatureTranslation(TranslationOptions):
    fields = ("title",)


@register(PlanNarrative)
class PlanNarrativeTranslation(TranslationOptions):
    fields = ("title", "body")


# History is registered here, after modeltranslation has added the language columns, so the
# historical tables keep every language (see django-simple-history's notes on modeltranslation).
# The untranslated base columns only mirror one language, so history skips them.
register_history(
    ProgressEntry,
    excluded_fields=["created_at", "updated_at", "narrative", "not_reported_reason"],
)
register_history(ProgressValue)
register_history(Reference)
register_history(Example, excluded_fields=["title", "description"])
register_history(
    CoverLetter, excluded_fields=["sender", "addressee", "subject", "salutation", "body"]
)
