from modeltranslation.translator import TranslationOptions, register

from .models import CoverLetter, Example, LetterSignature, ProgressEntry


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
