from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import Format, Layout


class ReportRequestForm(forms.Form):
    format = forms.ChoiceField(label=_("Format"), choices=Format.choices, initial=Format.PDF)
    layout = forms.ChoiceField(
        label=_("Annex layout"), choices=Layout.choices, initial=Layout.ORGANISATION
    )
    language = forms.ChoiceField(
        label=pgettext_lazy("report", "Language"), choices=settings.LANGUAGES
    )
    draft = forms.BooleanField(
        label=_("Draft preview: include entries that are not approved yet"),
        required=False,
        help_text=_("Every page of a draft preview says DRAFT."),
    )
    final = forms.BooleanField(
        label=_("Final report over the plan period up to this year"), required=False
    )
