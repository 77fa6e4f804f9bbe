"""Rich text: the one place that decides which HTML user-entered text may contain."""

import nh3
from django.db import models

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "sup",
    "sub",
    "ul",
    "ol",
    "li",
    "a",
    "blockquote",
    "h3",
    "h4",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitize_html(value: str | None) -> str | None:
    """Return `value` with every tag, attribute and URL scheme outside the allow-list removed."""
    if value is None or value == "":
        return value
    return nh3.clean(
        value,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


class RichTextField(models.TextField):
    """A text field whose HTML is sanitised whenever it is written to the database.

    django-modeltranslation builds each language column as a subclass of this field, so every
    language column is sanitised too, on save() and on queryset update() alike.
    """

    def pre_save(self, model_instance, add):
        value = sanitize_html(getattr(model_instance, self.attname))
        # Not setattr(): on the untranslated field modeltranslation's descriptor reads the
        # active language with fallbacks and writes to the active language's column, which would
        # copy e.g. the English text into an empty Dutch one.
        model_instance.__dict__[self.attname] = value
        return value

    def get_prep_value(self, value):
        return sanitize_html(super().get_prep_value(value))
