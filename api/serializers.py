"""Read-only representations of the public data. Texts come in the request's language, with the
plan's own language as fallback; `*_language` fields say which language a text is in."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from indicators.i18n import LANGUAGE_CODES, localized
from indicators.models import (
    DisaggregationCategory,
    Goal,
    Indicator,
    Organisation,
    Pillar,
    Plan,
    Subgoal,
)
from reporting.models import Example, ProgressEntry, ProgressValue, Reference


@extend_schema_field(OpenApiTypes.STR)
class LocalizedField(serializers.Field):
    """A translated model field, in the active language or the plan's language."""

    def __init__(self, field: str | None = None, **kwargs):
        self.translated = field
        kwargs.setdefault("read_only", True)
        super().__init__(source="*", **kwargs)

    def to_representation(self, obj):
        return localized(obj, self.translated or self.field_name).text


@extend_schema_field({"type": "string", "enum": LANGUAGE_CODES})
class LanguageOfField(LocalizedField):
    """The language the translated field is given in (the requested one when it is empty)."""

    def to_representation(self, obj):
        return localized(obj, self.translated).language


class OptionalURLField(serializers.URLField):
    """A web address, or null when there is none (an empty string is not a URI)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value):
        return value or None


class CountryCodeField(serializers.CharField):
    def to_representation(self, value):
        return getattr(value, "code", value) or ""


class PlanSerializer(serializers.ModelSerializer):
    country = CountryCodeField(read_only=True, help_text="ISO 3166 code, or a regional body.")
    title = LocalizedField()
    description = LocalizedField(help_text="Sanitised HTML.")

    class Meta:
        model = Plan
        fields = [
            "slug",
            "country",
            "edition",
            "short_name",
            "title",
            "description",
            "first_year",
            "last_year",
            "language",
            "status",
        ]
        read_only_fields = fields


class OrganisationSerializer(serializers.ModelSerializer):
    name = LocalizedField()
    abbreviation = LocalizedField()
    country = CountryCodeField(read_only=True)
    website = OptionalURLField()

    class Meta:
        model = Organisation
        fields = ["slug", "name", "abbreviation", "kind", "country", "website"]
        read_only_fields = fields


class GoalSerializer(serializers.ModelSerializer):
    plan = serializers.CharField(source="plan.slug", read_only=True)
    title = LocalizedField()
    description = LocalizedField(help_text="Sanitised HTML.")
    pillar = serializers.ChoiceField(choices=Pillar.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Goal
        fields = ["id", "plan", "number", "title", "description", "pillar"]
        read_only_fields = fields


class SubgoalSerializer(serializers.ModelSerializer):
    plan = serializers.CharField(source="goal.plan.slug", read_only=True)
    goal = serializers.IntegerField(source="goal.number", read_only=True)
    code = serializers.CharField(source="number", read_only=True)
    title = LocalizedField()

    class Meta:
        model = Subgoal
        fields = ["id", "plan", "goal", "code", "title"]
        read_only_fields = fields


class CategorySerializer(serializers.ModelSerializer):
    label = LocalizedField()

    class Meta:
        model = DisaggregationCategory
        fields = ["code", "label"]
        read_only_fields = fields


class IndicatorSerializer(serializers.ModelSerializer):
    plan = serializers.CharField(source="plan.slug", read_only=True)
    goal = serializers.IntegerField(source="goal.number", read_only=True)
    subgoal = serializers.CharField(source="subgoal.number", read_only=True, allow_null=True)
    text = LocalizedField()
    unit = LocalizedField()
    categories = CategorySerializer(many=True, read_only=True)

    class Meta:
        model = Indicator
        fields = [
            "id",
            "plan",
            "goal",
            "subgoal",
            "code",
            "text",
            "kind",
            "unit",
            "currency",
            "baseline",
            "baseline_year",
            "target",
            "target_year",
            "categories",
        ]
        read_only_fields = fields


class ValueSerializer(serializers.ModelSerializer):
    category = serializers.CharField(
        source="category.code",
        read_only=True,
        allow_null=True,
        help_text="The disaggregation category's code; null for the total.",
    )

    class Meta:
        model = ProgressValue
        fields = ["category", "value"]
        read_only_fields = fields


class ExampleSerializer(serializers.ModelSerializer):
    title = LocalizedField()
    description = LocalizedField(help_text="Sanitised HTML.")
    country = CountryCodeField(read_only=True)
    link = OptionalURLField()

    class Meta:
        model = Example
        fields = ["title", "description", "country", "partner", "link"]
        read_only_fields = fields


class ReferenceSerializer(serializers.ModelSerializer):
    url = OptionalURLField()

    class Meta:
        model = Reference
        fields = ["kind", "citation", "title", "url"]
        read_only_fields = fields


class EntryOrganisationSerializer(serializers.ModelSerializer):
    name = LocalizedField()

    class Meta:
        model = Organisation
        fields = ["slug", "name"]
        read_only_fields = fields


class EntrySerializer(serializers.ModelSerializer):
    plan = serializers.CharField(source="round.plan.slug", read_only=True)
    year = serializers.IntegerField(source="round.year", read_only=True)
    goal = serializers.IntegerField(source="goal.number", read_only=True)
    subgoal = serializers.CharField(source="subgoal.number", read_only=True, allow_null=True)
    indicator = serializers.CharField(source="indicator.code", read_only=True, allow_null=True)
    indicator_kind = serializers.CharField(source="indicator.kind", read_only=True, allow_null=True)
    organisation = EntryOrganisationSerializer(read_only=True)
    narrative = LocalizedField(help_text="Sanitised HTML.")
    narrative_language = LanguageOfField("narrative")
    not_reported = serializers.ChoiceField(
        choices=ProgressEntry.NotReported.choices, allow_blank=True, read_only=True
    )
    not_reported_reason = LocalizedField()
    values = ValueSerializer(many=True, read_only=True)
    examples = ExampleSerializer(many=True, read_only=True)
    references = ReferenceSerializer(many=True, read_only=True)

    class Meta:
        model = ProgressEntry
        fields = [
            "id",
            "plan",
            "year",
            "goal",
            "subgoal",
            "indicator",
            "indicator_kind",
            "organisation",
            "narrative",
            "narrative_language",
            "not_reported",
            "not_reported_reason",
            "currency",
            "published_at",
            "values",
            "examples",
            "references",
        ]
        read_only_fields = fields
