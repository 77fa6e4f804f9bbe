from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from exchange.admin import PlanExchangeMixin
from napportal.locking import VersionedAdminMixin, VersionedInlineMixin

from .models import (
    DisaggregationCategory,
    Goal,
    Indicator,
    Organisation,
    Plan,
    PlanOrganisation,
    Responsibility,
    Subgoal,
)


class PlanOrganisationInline(VersionedInlineMixin, admin.TabularInline):
    model = PlanOrganisation
    extra = 0
    autocomplete_fields = ["organisation"]


class GoalInline(VersionedInlineMixin, TranslationTabularInline):
    model = Goal
    extra = 0
    fields = ["number", "pillar", "title"]
    show_change_link = True


@admin.register(Plan)
class PlanAdmin(VersionedAdminMixin, PlanExchangeMixin, TranslationAdmin):
    list_display = [
        "short_name",
        "title",
        "country",
        "edition",
        "first_year",
        "last_year",
        "status",
    ]
    list_filter = ["status", "country", "language"]
    search_fields = ["short_name", "title", "slug"]
    prepopulated_fields = {"slug": ["short_name"]}
    inlines = [PlanOrganisationInline, GoalInline]


@admin.register(Organisation)
class OrganisationAdmin(VersionedAdminMixin, TranslationAdmin):
    list_display = ["abbreviation", "name", "kind", "country"]
    list_filter = ["kind", "participations__role", "participations__plan"]
    search_fields = ["name", "abbreviation", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class SubgoalInline(VersionedInlineMixin, TranslationTabularInline):
    model = Subgoal
    extra = 0
    fields = ["number", "position", "title"]
    show_change_link = True


class IndicatorInline(VersionedInlineMixin, TranslationTabularInline):
    model = Indicator
    extra = 0
    fields = ["code", "position", "kind", "text", "unit"]
    show_change_link = True


class GoalIndicatorInline(IndicatorInline):
    verbose_name_plural = _("indicators on the goal itself")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(subgoal__isnull=True)


@admin.register(Goal)
class GoalAdmin(VersionedAdminMixin, TranslationAdmin):
    list_display = ["number", "title", "pillar", "plan"]
    list_display_links = ["number", "title"]
    list_filter = ["plan", "pillar"]
    search_fields = ["title", "description"]
    list_select_related = ["plan"]
    inlines = [SubgoalInline, GoalIndicatorInline]


@admin.register(Subgoal)
class SubgoalAdmin(VersionedAdminMixin, TranslationAdmin):
    list_display = ["number", "title", "goal"]
    list_filter = ["goal__plan", "goal"]
    search_fields = ["number", "title"]
    list_select_related = ["goal"]
    inlines = [IndicatorInline]


class CategoryInline(VersionedInlineMixin, TranslationTabularInline):
    model = DisaggregationCategory
    extra = 0
    fields = ["code", "position", "label"]


@admin.register(Indicator)
class IndicatorAdmin(VersionedAdminMixin, TranslationAdmin):
    list_display = ["code", "text", "kind", "goal", "subgoal", "plan"]
    list_filter = ["plan", "kind", "goal__pillar"]
    search_fields = ["code", "text"]
    list_select_related = ["plan", "goal", "subgoal"]
    autocomplete_fields = ["goal", "subgoal"]
    inlines = [CategoryInline]


@admin.register(Responsibility)
class ResponsibilityAdmin(VersionedAdminMixin, admin.ModelAdmin):
    list_display = ["organisation", "goal", "subgoal", "indicator"]
    list_filter = ["goal__plan", "organisation"]
    search_fields = ["organisation__name", "organisation__abbreviation", "indicator__code"]
    list_select_related = ["organisation", "goal", "subgoal", "indicator"]
    autocomplete_fields = ["organisation", "goal", "subgoal", "indicator"]


@admin.register(DisaggregationCategory)
class DisaggregationCategoryAdmin(VersionedAdminMixin, TranslationAdmin):
    list_display = ["label", "code", "indicator"]
    list_filter = ["indicator__plan"]
    search_fields = ["label", "code", "indicator__code"]
    list_select_related = ["indicator"]


@admin.register(PlanOrganisation)
class PlanOrganisationAdmin(VersionedAdminMixin, admin.ModelAdmin):
    list_display = ["organisation", "plan", "role"]
    list_filter = ["role", "plan", "organisation__kind"]
    search_fields = ["organisation__name", "organisation__abbreviation", "plan__short_name"]
    list_select_related = ["organisation", "plan"]
    autocomplete_fields = ["organisation"]
