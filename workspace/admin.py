"""The entry pages of the reporting workspace: a ModelAdmin for ProgressEntry on ReportingSite.

Permissions come from `reporting.access`, writes go through `reporting.workflow`. Only entries of
the user's own organisations exist here: any other id is a 404.
"""

from __future__ import annotations

import copy
import dataclasses

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, strip_tags
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from indicators.models import Indicator, Organisation
from napportal.richtext import RichTextField
from reporting import access, history, workflow
from reporting.models import Example, ProgressEntry, ProgressValue, Reference

from . import selectors, services
from .forms import CommentForm, EntryForm, ExampleForm, ReferenceForm, conflict_message
from .sites import reporting_site

_DENIAL_CACHE = "_workspace_denials"
_ENTRY_CACHE = "_workspace_entries"


def entry_denial(request, entry: ProgressEntry | None) -> str | None:
    """Why the user may not edit `entry` now (access.edit_denial), read once per request."""
    if entry is None:
        return None
    cache = request.__dict__.setdefault(_DENIAL_CACHE, {})
    if entry.pk not in cache:
        cache[entry.pk] = access.edit_denial(request.user, entry)
    return cache[entry.pk]


def own_entries(request, queryset=None):
    """Entries of the user's own organisations (coordinators read others' elsewhere)."""
    user_access = access.access_for(request.user)
    return access.visible_entries(request.user, queryset).filter(
        organisation_id__in=user_access.organisations()
    )


def shows_examples(entry: ProgressEntry | None) -> bool:
    return entry is not None and (
        entry.indicator_id is None or entry.indicator.kind == Indicator.Kind.QUALITATIVE
    )


class HistoryContextHelper(HistoricalRecordContextHelper):
    """The history page lists what the organisation changed, in words: not the version
    counter, not None becoming "", labels and statuses as the form shows them."""

    def context_for_delta_changes(self, delta):
        changes = [
            change
            for change in delta.changes
            if change.field not in history.BOOKKEEPING_FIELDS
            and self.prepare_delta_change_value(change, change.old)
            != self.prepare_delta_change_value(change, change.new)
        ]
        return super().context_for_delta_changes(dataclasses.replace(delta, changes=changes))

    def prepare_delta_change_value(self, change, value):
        model_field = self.model._meta.get_field(change.field)
        if isinstance(model_field, RichTextField):
            return strip_tags(value or "")
        return history.display_value(model_field, value)

    def format_delta_change(self, change):
        formatted = super().format_delta_change(change)
        label = history.field_label(self.model._meta.get_field(change.field))
        return dataclasses.replace(formatted, field=label)


class _Conflict(Exception):
    """Carries workflow.EditConflict out of the admin's transaction, so it rolls back."""

    def __init__(self, current: ProgressEntry):
        self.current = current
        super().__init__(str(current.pk))


class EntryInlineMixin:
    """Inlines follow their entry: editable exactly when the entry is."""

    extra = 1

    def has_view_permission(self, request, obj=None):
        return self.admin_site.has_permission(request)

    def has_add_permission(self, request, obj=None):
        return obj is not None and entry_denial(request, obj) is None

    def has_change_permission(self, request, obj=None):
        return obj is not None and entry_denial(request, obj) is None

    def has_delete_permission(self, request, obj=None):
        return obj is not None and entry_denial(request, obj) is None


class ExampleInline(EntryInlineMixin, admin.StackedInline):
    model = Example
    form = ExampleForm
    verbose_name = _("example")
    verbose_name_plural = _("examples (projects, stories)")

    def get_fieldsets(self, request, obj=None):
        languages = selectors.plan_languages(obj.round.plan.language if obj else None)
        first, others = languages[0], languages[1:]
        return [
            (
                None,
                {
                    "fields": [
                        f"title_{first}",
                        "country",
                        "partner",
                        "link",
                        f"description_{first}",
                    ]
                },
            ),
            (
                _("In other languages"),
                {
                    "fields": [
                        name for code in others for name in (f"title_{code}", f"description_{code}")
                    ],
                    "classes": ["collapse"],
                },
            ),
        ]


class ReferenceInline(EntryInlineMixin, admin.TabularInline):
    model = Reference
    form = ReferenceForm
    fields = ["kind", "citation", "title", "url"]
    verbose_name = _("reference")
    verbose_name_plural = _("references (parliamentary papers, documents, web pages)")


class EntryAdmin(SimpleHistoryAdmin):
    form = EntryForm
    change_form_template = "workspace/entry_change_form.html"
    object_history_template = "workspace/entry_history.html"
    object_history_list_template = "workspace/entry_history_list.html"
    inlines = [ExampleInline, ReferenceInline]
    list_display = ["scope", "organisation_label", "round", "status", "updated_at"]
    list_display_links = ["scope"]
    list_filter = ["status", "round__year"]
    list_select_related = ["organisation", "round__plan", "goal", "subgoal", "indicator"]
    list_per_page = 50
    actions = None
    view_on_site = False
    history_list_per_page = 50

    # --- which entries, and what the user may do with them --------------------------------

    def get_queryset(self, request):
        return own_entries(request, super().get_queryset(request)).select_related(
            "organisation", "round__plan", "goal", "subgoal", "indicator"
        )

    def get_object(self, request, object_id, from_field=None):
        """Only the user's own organisations' entries; read with everything the page shows,
        once per request."""
        try:
            pk = int(object_id)
        except (TypeError, ValueError):
            return None
        cache = request.__dict__.setdefault(_ENTRY_CACHE, {})
        if pk not in cache:
            cache[pk] = self._read_entry(request, pk)
        return cache[pk]

    def _read_entry(self, request, pk: int) -> ProgressEntry | None:
        return (
            self.get_queryset(request)
            .select_related("last_edited_by", "submitted_by", "approved_by")
            .prefetch_related(
                "lock_exceptions",
                "indicator__categories",
                Prefetch("values", queryset=ProgressValue.objects.select_related("category")),
            )
            .filter(pk=pk)
            .first()
        )

    def get_entry_or_404(self, request, object_id) -> ProgressEntry:
        entry = self.get_object(request, unquote(str(object_id)))
        if entry is None:
            raise Http404(gettext("No such entry of your organisation."))
        return entry

    def has_module_permission(self, request):
        return self.admin_site.has_permission(request)

    def has_view_permission(self, request, obj=None):
        return self.admin_site.has_permission(request)

    def has_add_permission(self, request):
        # Entries are started from the worklist (workflow.start_entry).
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return self.admin_site.has_permission(request)
        return entry_denial(request, obj) is None

    def revert_disabled(self, request, obj=None):
        return True

    # --- the list ---------------------------------------------------------------------------

    @admin.display(description=_("goal, subgoal or indicator"), ordering="goal__number")
    def scope(self, entry):
        return entry.scope_label

    @admin.display(description=_("organisation"), ordering="organisation__name")
    def organisation_label(self, entry):
        if entry.organisation.kind == Organisation.Kind.CIVIL_SOCIETY:
            return format_html(
                '{} <span class="ws-badge ws-badge-cs">{}</span>',
                entry.organisation,
                gettext("civil society"),
            )
        return str(entry.organisation)

    # --- the form ---------------------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return []
        indicator = obj.indicator if obj.indicator_id else None
        if entry_denial(request, obj):
            return [(None, {"fields": ["entry_content"], "classes": ["ws-wide"]})]
        languages = selectors.plan_languages(obj.round.plan.language)
        first, others = languages[0], languages[1:]
        fieldsets = [(None, {"fields": ["expected_version"], "classes": ["ws-hidden"]})]
        if indicator is not None and indicator.is_quantitative:
            figures = [f"value_{category.pk}" for category in indicator.categories.all()]
            figures.append("value_total")
            if indicator.kind == Indicator.Kind.AMOUNT:
                figures.append("currency")
            fieldsets.append(
                (
                    _("Figures"),
                    {
                        "fields": figures,
                        "description": self._figures_description(indicator),
                    },
                )
            )
        fieldsets.append((_("Progress"), {"fields": [f"narrative_{first}"]}))
        has_other_text = any(
            (getattr(obj, f"narrative_{code}", "") or "").strip() for code in others
        )
        fieldsets.append(
            (
                _("Progress in other languages"),
                {
                    "fields": [f"narrative_{code}" for code in others],
                    "classes": [] if has_other_text else ["collapse"],
                },
            )
        )
        fieldsets.append(
            (
                _("Nothing to report"),
                {
                    "fields": [
                        "not_reported",
                        *(f"not_reported_reason_{code}" for code in languages),
                    ],
                    "classes": [] if obj.not_reported else ["collapse"],
                },
            )
        )
        return fieldsets

    def _figures_description(self, indicator: Indicator) -> str:
        kinds = {
            Indicator.Kind.COUNT: gettext("Whole numbers, 0 or more."),
            Indicator.Kind.PERCENTAGE: gettext("Percentages between 0 and 100."),
            Indicator.Kind.AMOUNT: gettext("Amounts, 0 or more, with their currency."),
        }
        description = kinds[indicator.kind]
        unit = indicator.unit
        if unit:
            description = f"{description} {gettext('Unit: %(unit)s.') % {'unit': unit}}"
        return f"{description} {gettext('Leave a figure empty when it is not known.')}"

    def get_readonly_fields(self, request, obj=None):
        return ["entry_content"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The figures are form fields of their own, added by EntryForm for the entry's
        # indicator; the admin's model-form factory must not look for them on the model.
        if kwargs.get("fields") is not None:
            kwargs["fields"] = [name for name in kwargs["fields"] if not name.startswith("value_")]
        form = super().get_form(request, obj, change=change, **kwargs)
        conflict = getattr(request, "_workspace_conflict", None)
        if conflict is not None:
            form = type(form.__name__, (form,), {"conflict": conflict})
        return form

    def get_inline_instances(self, request, obj=None):
        if obj is None or entry_denial(request, obj):
            # A locked entry shows its examples and references in `entry_content`.
            return []
        return [
            inline
            for inline in super().get_inline_instances(request, obj)
            if not isinstance(inline, ExampleInline) or shows_examples(obj)
        ]

    @admin.display(description="")
    def entry_content(self, entry):
        categories = entry.indicator.categories.all() if entry.indicator_id else []
        content = selectors.entry_content(
            entry, categories, selectors.plan_languages(entry.round.plan.language)
        )
        return render_to_string("workspace/_entry_content.html", {"content": content})

    # --- saving -----------------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        # Saved in save_related, together with the figures, examples and references, through
        # workflow.save_entry (one transaction, checked against the version the user opened).
        pass

    def save_related(self, request, form, formsets, change):
        def write_related(entry):
            form.save_values(entry)
            for formset in formsets:
                self.save_formset(request, form, formset, change=change)

        try:
            workflow.save_entry(
                acting_user=request.user,
                entry=form.instance,
                expected_version=form.cleaned_data["expected_version"],
                save_related=write_related,
            )
        except workflow.EditConflict as conflict:
            raise _Conflict(conflict.current) from conflict

    def response_change(self, request, obj):
        messages.success(
            request,
            gettext("Saved (version %(version)s). It stays a draft until it is submitted.")
            % {"version": obj.version}
            if obj.status in (ProgressEntry.Status.DRAFT, ProgressEntry.Status.RETURNED)
            else gettext("Saved (version %(version)s).") % {"version": obj.version},
        )
        if "_continue" in request.POST:
            return HttpResponseRedirect(request.path)
        return HttpResponseRedirect(reverse(f"{self.admin_site.name}:index") + f"#entry-{obj.pk}")

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id is None:
            raise Http404
        entry = self.get_entry_or_404(request, object_id)
        denial = entry_denial(request, entry)
        context = {**self.page_context(request, entry, denial), **(extra_context or {})}
        if request.method == "POST" and denial:
            return self._refuse(request, object_id, form_url, context, denial)
        try:
            return super().changeform_view(request, object_id, form_url, context)
        except _Conflict as conflict:
            return self._conflict_view(request, object_id, form_url, context, conflict.current)
        except PermissionDenied as exc:
            # Locked between opening the form and saving it (workflow.save_entry checks again).
            return self._refuse(request, object_id, form_url, context, str(exc))

    def _refuse(self, request, object_id, form_url, context, reason: str):
        """A refused POST: the read-only page with the reason, as a 403. Nothing is saved."""
        messages.error(request, reason)
        request.__dict__.pop(_ENTRY_CACHE, None)
        request.__dict__.pop(_DENIAL_CACHE, None)
        entry = self.get_entry_or_404(request, object_id)
        context = {**context, **self.page_context(request, entry, entry_denial(request, entry))}
        as_get = copy.copy(request)
        as_get.method = "GET"
        response = super().changeform_view(as_get, object_id, form_url, context)
        response.status_code = 403
        return response

    def _conflict_view(self, request, object_id, form_url, context, saved: ProgressEntry):
        """Someone else saved first: the form again, with what the user typed, on the saved
        version, and the saved version beside it (read-only) to compare with."""
        request.__dict__.pop(_ENTRY_CACHE, None)
        request.__dict__.pop(_DENIAL_CACHE, None)
        entry = self.get_entry_or_404(request, object_id)
        denial = entry_denial(request, entry)
        if denial:
            return self._refuse(request, object_id, form_url, context, denial)
        current = (
            ProgressEntry.objects.select_related("last_edited_by", "indicator", "round__plan")
            .prefetch_related(
                Prefetch("values", queryset=ProgressValue.objects.select_related("category")),
                "examples",
                "references",
            )
            .get(pk=saved.pk)
        )
        request._workspace_conflict = current
        languages = selectors.plan_languages(current.round.plan.language)
        categories = current.indicator.categories.all() if current.indicator_id else []
        context = {
            **context,
            **self.page_context(request, entry, denial),
            "conflict": current,
            "conflict_content": selectors.entry_content(current, categories, languages),
        }
        return super().changeform_view(request, object_id, form_url, context)

    def page_context(self, request, entry: ProgressEntry, denial: str | None) -> dict:
        """Everything the entry page shows beside the form."""
        languages = selectors.plan_languages(entry.round.plan.language)
        categories = entry.indicator.categories.all() if entry.indicator_id else []
        previous = selectors.previous_entry(entry)
        user_access = access.access_for(request.user)
        return {
            "entry": entry,
            "plan": entry.round.plan,
            "edit_denial": denial,
            "is_civil_society": entry.organisation.kind == Organisation.Kind.CIVIL_SOCIETY,
            "previous": previous,
            "previous_content": (
                selectors.entry_content(previous, categories, languages) if previous else None
            ),
            "can_copy_previous": bool(
                previous
                and denial is None
                and any((getattr(previous, f"narrative_{c}", "") or "").strip() for c in languages)
            ),
            "is_focal_point": user_access.can_submit_organisation(entry.organisation_id),
            "submit_denial": access.submit_denial(request.user, entry),
            "comments": list(entry.comments.select_related("author")),
            "comment_denial": access.comment_denial(request.user, entry),
            "comment_form": CommentForm(),
            "transitions": list(entry.transitions.select_related("actor")),
            "lock_exception": access.active_lock_exception(entry),
        }

    # --- the entry's own actions (POST) -----------------------------------------------------

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        own = [
            path(
                "<path:object_id>/submit/",
                self.admin_site.admin_view(self.submit_view),
                name=f"{prefix}_submit",
            ),
            path(
                "<path:object_id>/copy-last-year/",
                self.admin_site.admin_view(self.copy_previous_view),
                name=f"{prefix}_copy_previous",
            ),
            path(
                "<path:object_id>/comment/",
                self.admin_site.admin_view(self.comment_view),
                name=f"{prefix}_comment",
            ),
            path(
                "<path:object_id>/compare/",
                self.admin_site.admin_view(self.compare_view),
                name=f"{prefix}_compare",
            ),
        ]
        return own + super().get_urls()

    def _change_url(self, entry) -> str:
        site, opts = self.admin_site.name, self.opts
        return reverse(f"{site}:{opts.app_label}_{opts.model_name}_change", args=[entry.pk])

    def submit_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        entry = self.get_entry_or_404(request, object_id)
        try:
            workflow.submit_entry(acting_user=request.user, entry=entry)
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, _message(exc))
        else:
            messages.success(request, gettext("Submitted to the coordinator."))
        return HttpResponseRedirect(self._change_url(entry))

    def copy_previous_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        entry = self.get_entry_or_404(request, object_id)
        try:
            version = int(request.POST.get("expected_version", ""))
        except ValueError:
            version = entry.version
        try:
            filled = services.copy_previous_text(
                acting_user=request.user, entry=entry, expected_version=version
            )
        except workflow.EditConflict as conflict:
            messages.error(request, conflict_message(conflict.current))
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, _message(exc))
        else:
            messages.success(
                request,
                gettext("Last year's text was copied into: %(languages)s. Adapt it to this year.")
                % {"languages": ", ".join(selectors.language_name(code) for code in filled)},
            )
        return HttpResponseRedirect(self._change_url(entry))

    def comment_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        entry = self.get_entry_or_404(request, object_id)
        form = CommentForm(request.POST)
        if not form.is_valid():
            messages.error(request, gettext("Write a comment first."))
        else:
            try:
                workflow.add_comment(
                    acting_user=request.user, entry=entry, text=form.cleaned_data["text"]
                )
            except (PermissionDenied, ValidationError) as exc:
                messages.error(request, _message(exc))
            else:
                messages.success(request, gettext("Your comment was added."))
        return HttpResponseRedirect(self._change_url(entry) + "#comments")

    def compare_view(self, request, object_id):
        """Two versions of the entry side by side: by default the approved one and the
        submission after it (see reporting.history.suggested_pairs)."""
        entry = self.get_entry_or_404(request, object_id)
        prefetch_related_objects([entry], history.TRANSITIONS)
        versions = history.versions(entry, current=True)
        try:
            old_id, new_id = history.chosen_pair(versions, request.GET)
        except ValueError as exc:
            raise Http404 from exc
        diff = None
        if old_id and new_id:
            diff = history.compare(entry, versions, old_id, new_id)
            if diff is None:
                raise Http404(gettext("No such version of this entry."))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Compare versions: %(entry)s") % {"entry": entry},
            "opts": self.opts,
            "entry": entry,
            "original": entry,
            "plan": entry.round.plan,
            "diff": diff,
            "versions": versions,
            "old_id": diff.old.history_id if diff else old_id,
            "new_id": diff.new.history_id if diff else new_id,
            "change_url": self._change_url(entry),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "workspace/entry_compare.html", context)

    # --- history ----------------------------------------------------------------------------

    def history_view(self, request, object_id, extra_context=None):
        entry = self.get_entry_or_404(request, object_id)
        context = {"entry": entry, "change_url": self._change_url(entry), **(extra_context or {})}
        return super().history_view(request, object_id, context)

    def get_historical_record_context_helper(self, request, historical_record):
        return HistoryContextHelper(self.model, historical_record)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # Reverting is not a workspace action: old versions are compared, not restored.
        raise Http404


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


reporting_site.register(ProgressEntry, EntryAdmin)
