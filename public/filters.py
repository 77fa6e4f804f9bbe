"""The one filter over published progress entries: the entry page, its downloads and the API
all use `EntryFilter`, so a shared link, a download and an API call give the same entries.

Every parameter is validated by a form field before it reaches the database: a bad value (text
for a year, a NUL byte, an over-long string) is a form error, which the views turn into a 400
or an error message, never a database error. The `schema` dictionaries document the same limits
in the OpenAPI schema, so API clients (and Schemathesis) see what is accepted.
"""

from django import forms
from django.core.validators import RegexValidator
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field

from indicators.models import Indicator, Organisation, Pillar, Plan
from reporting.models import ENTRY_ORDER, ProgressEntry, ReportingRound

from .search import search_entries

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_GOAL = 999
MAX_QUERY_LENGTH = 200
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
# Printable text only: control characters (NUL above all) are refused, not passed to the database.
TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*$"

no_control_characters = RegexValidator(
    TEXT_PATTERN, message=_("Remove the control characters from this value.")
)


def documented(schema: dict):
    """Attach an OpenAPI schema to a filter (drf-spectacular reads it)."""

    def attach(filter_):
        return extend_schema_field(schema)(filter_)

    return attach


class SlugFilter(filters.CharFilter):
    """A slug, validated as one; an unknown slug matches nothing (an empty result)."""

    field_class = forms.SlugField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 80)
        kwargs.setdefault("widget", forms.Select)
        super().__init__(*args, **kwargs)


class IntegerFilter(filters.NumberFilter):
    field_class = forms.IntegerField


def published_entries() -> QuerySet:
    """The starting point of every public list of entries: published, in a public plan."""
    return ProgressEntry.objects.published().filter(round__plan__in=Plan.objects.public())


class EntryFilter(filters.FilterSet):
    plan = documented({"type": "string", "pattern": SLUG_PATTERN, "maxLength": 80})(
        SlugFilter(
            field_name="round__plan__slug",
            label=_("Plan"),
            help_text=_("The plan's slug, e.g. nl-nap-iv."),
        )
    )
    year = documented({"type": "integer", "minimum": MIN_YEAR, "maximum": MAX_YEAR})(
        IntegerFilter(
            field_name="round__year",
            label=_("Year"),
            min_value=MIN_YEAR,
            max_value=MAX_YEAR,
            widget=forms.Select,
            help_text=_("The year reported on."),
        )
    )
    goal = documented({"type": "integer", "minimum": 1, "maximum": MAX_GOAL})(
        IntegerFilter(
            field_name="goal__number",
            label=_("Strategic goal"),
            min_value=1,
            max_value=MAX_GOAL,
            help_text=_("The goal's number within its plan."),
        )
    )
    subgoal = documented(
        {"type": "string", "pattern": TEXT_PATTERN, "minLength": 1, "maxLength": 20}
    )(
        filters.CharFilter(
            field_name="subgoal__number",
            label=_("Subgoal"),
            max_length=20,
            validators=[no_control_characters],
            help_text=_('The subgoal\'s code, e.g. "1.a".'),
        )
    )
    pillar = filters.ChoiceFilter(
        field_name="goal__pillar",
        label=_("Pillar"),
        choices=Pillar.choices,
        empty_label=_("All pillars"),
    )
    kind = filters.ChoiceFilter(
        field_name="indicator__kind",
        label=_("Kind of indicator"),
        choices=Indicator.Kind.choices,
        empty_label=_("All kinds"),
    )
    organisation = documented({"type": "string", "pattern": SLUG_PATTERN, "maxLength": 80})(
        SlugFilter(
            field_name="organisation__slug",
            label=_("Organisation"),
            help_text=_("The organisation's slug, e.g. def."),
        )
    )
    organisation_kind = filters.ChoiceFilter(
        field_name="organisation__kind",
        label=_("Kind of organisation"),
        choices=Organisation.Kind.choices,
        empty_label=_("All kinds"),
    )
    q = documented(
        {"type": "string", "pattern": TEXT_PATTERN, "minLength": 1, "maxLength": MAX_QUERY_LENGTH}
    )(
        filters.CharFilter(
            method="filter_text",
            label=_("Search text"),
            max_length=MAX_QUERY_LENGTH,
            validators=[no_control_characters],
            widget=forms.TextInput(attrs={"type": "search"}),
            help_text=_(
                "Words in the progress text or in the goal, subgoal or indicator, in Dutch, "
                "English or French."
            ),
        )
    )

    class Meta:
        model = ProgressEntry
        fields = []

    def filter_text(self, queryset, name, value):
        return search_entries(queryset, value)

    @property
    def qs(self):
        # An invalid filter must not silently widen the result: nothing matches until fixed.
        if self.is_bound and not self.is_valid():
            return self.queryset.none()
        return super().qs.order_by(*ENTRY_ORDER)

    def error_messages(self) -> list[str]:
        """The form errors as "Label: message" lines, for plain-text 400 responses."""
        messages = []
        for name, errors in self.errors.items():
            label = self.form.fields[name].label if name in self.form.fields else name
            messages.extend(f"{label}: {message}" for message in errors)
        return messages

    def add_choices(self) -> None:
        """Fill the drop-downs of the HTML form (three queries); the API does not need them."""
        form = self.form
        plans = Plan.objects.public().order_by("country", "-first_year")
        form.fields["plan"].widget.choices = [
            ("", _("All plans")),
            *((plan.slug, plan.short_name) for plan in plans),
        ]
        # The years of published rounds and the organisations with a published entry: small
        # tables probed by index, not a scan of every published entry (bench/RESULTS.md).
        years = (
            ReportingRound.objects.filter(
                state=ReportingRound.State.PUBLISHED, plan__in=Plan.objects.public()
            )
            .values_list("year", flat=True)
            .distinct()
            .order_by("-year")
        )
        form.fields["year"].widget.choices = [("", _("All years")), *((y, y) for y in years)]
        organisations = Organisation.objects.filter(
            Exists(published_entries().filter(organisation=OuterRef("pk")))
        )
        form.fields["organisation"].widget.choices = [
            ("", _("All organisations")),
            *sorted(((org.slug, org.name) for org in organisations), key=lambda choice: choice[1]),
        ]
