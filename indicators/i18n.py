"""Reading translated texts with a per-plan fallback.

A text missing in the reader's language falls back to the plan's own language first (a Belgian
plan written in French falls back to French, a Dutch one to Dutch), then to any language that
has it. The result says which language it is in, so pages can mark it with a `lang` attribute.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import get_language

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


@dataclass(frozen=True)
class LocalizedText:
    text: str
    language: str
    is_fallback: bool

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)


def active_language() -> str:
    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return language if language in LANGUAGE_CODES else settings.LANGUAGE_CODE


def plan_language(obj) -> str | None:
    """The language of the plan `obj` belongs to, following the usual relations."""
    for path in ("plan", "goal.plan", "round.plan", "indicator.plan", "entry.round.plan"):
        target = obj
        for name in path.split("."):
            target = getattr(target, name, None)
            if target is None:
                break
        if target is not None and hasattr(target, "language"):
            return target.language
    return getattr(obj, "language", None)


def localized(
    obj, field: str, language: str | None = None, fallback: str | None = None
) -> LocalizedText:
    """`fallback` is the plan's language; pages pass it so no query is needed to find it."""
    language = language or active_language()
    order = [language, fallback or plan_language(obj), *LANGUAGE_CODES]
    for code in dict.fromkeys(code for code in order if code):
        value = getattr(obj, f"{field}_{code}", None)
        if value:
            return LocalizedText(value, code, code != language)
    return LocalizedText("", language, False)
