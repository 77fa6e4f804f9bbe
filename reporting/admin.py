from django.contrib import admin
from modeltranslation.admin import (
    TranslationAdmin,
    TranslationStackedInline,
    TranslationTabularInline,
)

from exchange.admin import ProgressExchangeMixin
from napportal.locking import ParentVersionAdminMixin, VersionedAdminMixin, VersionedInlineMixin

from .models import (
    CoverLetter,
    EntryComment,
    EntryTransition,
    Example,
    LetterSignature,
    LockException,
    PlanNarrative,
    ProgressEntry,
    ProgressValue,
    Reference,
    ReportingRound,
)

# What an entry's __str__ needs, for the lists of rows that belong to an entry.
ENTRY_RELATED = [
    "entry__organisation",
    "entry__round__plan",
    "entry__goal",
    "entry__subgoal",
    "entry__indicator",
]


@admin.register(ReportingRound)
class ReportingRoundAdmin(VersionedAdminMixin, admin.ModelAdmin):
    list_display = ["plan", "year", "state", "opens_on", "deadline", "publish_at", "published_at"]
    list_filter = ["state", "plan"]
    search_fields = ["plan__short_name", "year"]
    list_select_related = ["plan"]
    date_hierarchy = "deadline"


class ValueInline(admin.TabularInline):
    model = ProgressValue
    extra = 0
    autocomplete_fields = ["category"]


class ReferenceInline(admin.TabularInline):
    model = Reference
    extra = 0
    fields = ["position", "kind", "citation", "title", "url"]


class ExampleInline(TranslationStackedInline):
    model = Example
    extra = 0
    fields = ["position", "title", "country", "partner", "link", "description"]


@admin.register(ProgressEntry)
class ProgressEntryAdmin(VersionedAdminMixin, ProgressExchangeMixin, TranslationAdmin):
    list_display = ["organisation", "round", "goal", "subgoal", "indicator", "status", "updated_at"]
    list_filter = ["status", "round__plan", "round__year", "organisation", "goal__pillar"]
    search_fields = ["narrative", "organisation__abbreviation", "indicator__code"]
    list_select_related = ["organisation", "round__plan", "goal", "subgoal", "indicator"]
    autocomplete_fields = ["organisation", "goal", "subgoal", "indicator"]
    readonly_fields = [
        "created_at",
        "updated_at",
        "last_edited_by",
        "submitted_at",
        "submitted_by",
        "approved_at",
        "approved_by",
        "published_at",
    ]
    inlines = [ValueInline, ReferenceInline, ExampleInline]


class SignatureInline(VersionedInlineMixin, TranslationTabularInline):
    model = LetterSignature
    extra = 0
    fields = ["position", "title", "name"]


@admin.register(CoverLetter)
class CoverLetterAdmin(VersionedAdminMixin, TranslationAdmin):
    list_display = ["round", "date", "reference", "subject"]
    list_filter = ["round__plan"]
    search_fields = ["subject", "reference", "body"]
    list_select_related = ["round__plan"]
    inlines = [SignatureInline]


@admin.register(PlanNarrative)
class PlanNarrativeAdmin(VersionedAdminMixin, TranslationAdmin):
    list_display = ["__str__", "plan", "kind", "goal", "position", "status", "updated_at"]
    list_filter = ["plan", "kind", "status"]
    search_fields = ["title", "body"]
    list_select_related = ["plan", "goal"]


@admin.register(ProgressValue)
class ProgressValueAdmin(ParentVersionAdminMixin, admin.ModelAdmin):
    list_display = ["entry", "category", "value"]
    list_filter = ["entry__round__plan", "entry__round__year"]
    search_fields = ["entry__indicator__code", "entry__organisation__abbreviation"]
    list_select_related = ["category", *ENTRY_RELATED]
    autocomplete_fields = ["category"]
    raw_id_fields = ["entry"]


@admin.register(Reference)
class ReferenceAdmin(ParentVersionAdminMixin, admin.ModelAdmin):
    list_display = ["citation", "title", "kind", "entry"]
    list_filter = ["kind", "entry__round__plan"]
    search_fields = ["citation", "title", "url"]
    list_select_related = ENTRY_RELATED
    raw_id_fields = ["entry"]


@admin.register(Example)
class ExampleAdmin(ParentVersionAdminMixin, TranslationAdmin):
    list_display = ["title", "country", "partner", "entry"]
    list_filter = ["entry__round__plan", "country"]
    search_fields = ["title", "partner"]
    list_select_related = ENTRY_RELATED
    raw_id_fields = ["entry"]


@admin.register(LetterSignature)
class LetterSignatureAdmin(VersionedAdminMixin, TranslationAdmin):
    list_display = ["name", "title", "letter"]
    search_fields = ["name", "title"]
    list_select_related = ["letter__round__plan"]


class RecordAdmin(admin.ModelAdmin):
    """Workflow records are kept for good: readable, never changed by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EntryTransition)
class EntryTransitionAdmin(RecordAdmin):
    list_display = ["entry", "from_status", "to_status", "actor", "at"]
    list_filter = ["to_status", "entry__round__plan"]
    search_fields = ["comment", "actor__username"]
    list_select_related = ["actor", *ENTRY_RELATED]
    raw_id_fields = ["entry"]


@admin.register(EntryComment)
class EntryCommentAdmin(RecordAdmin):
    list_display = ["entry", "author", "created_at", "text"]
    search_fields = ["text", "author__username"]
    list_select_related = ["author", *ENTRY_RELATED]
    raw_id_fields = ["entry"]


@admin.register(LockException)
class LockExceptionAdmin(RecordAdmin):
    list_display = ["entry", "granted_by", "granted_at", "expires_at", "revoked_at", "reason"]
    search_fields = ["reason", "granted_by__username"]
    list_select_related = ["granted_by", *ENTRY_RELATED]
    raw_id_fields = ["entry"]
