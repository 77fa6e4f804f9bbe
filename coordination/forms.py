from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from indicators.models import Goal, Organisation
from reporting.models import ReportingRound

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_LOCAL)


def datetime_field(label, **kwargs):
    # A datetime-local value has no zone: it is read in the portal's time zone.
    return forms.DateTimeField(
        label=label,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
        widget=DateTimeLocalInput(),
        **kwargs,
    )


def version_field():
    # The round's version the page showed (optimistic locking, napportal.locking). Optional,
    # so a form without it still works: it then acts on the round as it is.
    return forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class RoundStateForm(forms.Form):
    state = forms.ChoiceField(
        choices=[
            (ReportingRound.State.OPEN, _("Open")),
            (ReportingRound.State.CLOSED, _("Closed")),
        ]
    )
    version = version_field()


class PublicationForm(forms.Form):
    """Publish now (the "now" button) or at a moment in the future (an embargo)."""

    at = datetime_field(_("Publish at"), required=False)
    now = forms.BooleanField(required=False, widget=forms.HiddenInput)
    version = version_field()

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("now") and not cleaned.get("at") and "at" not in self.errors:
            self.add_error("at", _("Give the date and time of publication, or publish now."))
        return cleaned


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What needs to change"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what needs to change when you return an entry.")},
    )


class ApproveForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class LockExceptionForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    until = datetime_field(_("Until"))


class QueueFilterForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), required=False
    )
    goal = forms.ModelChoiceField(label=_("Goal"), queryset=Goal.objects.none(), required=False)

    def __init__(self, *args, round_, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(
            Q(entries__round=round_) | Q(responsibilities__goal__plan_id=round_.plan_id)
        ).distinct()
        self.fields["goal"].queryset = Goal.objects.filter(plan_id=round_.plan_id)
        self.fields["goal"].label_from_instance = lambda goal: (
            _("Goal %(number)s") % {"number": goal.number}
        )
