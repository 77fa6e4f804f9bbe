"""Spreadsheet import and export in the admin.

`PlanExchangeMixin` and `ProgressExchangeMixin` are mixed into the Plan and ProgressEntry admins
(in indicators/admin.py and reporting/admin.py). They add an "Import from spreadsheet" page
behind the changelist's object tools, and "Export selected … as CSV/XLSX" actions.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from . import plans as plan_format
from . import progress as progress_format
from .exports import export_plans, export_progress
from .tabular import CSV, XLSX

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"), help_text=_("A .csv file (UTF-8) or an .xlsx workbook (first sheet).")
    )
    dry_run = forms.BooleanField(
        label=_("Dry run"), required=False, help_text=_("Only check the file; write nothing.")
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB.") % {"size": MAX_UPLOAD_BYTES // 2**20}
            )
        return upload


def download(filename: str, content_type: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class SpreadsheetImportMixin:
    """Adds an import page (URL name `admin:<app>_<model>_import`) to a ModelAdmin."""

    change_list_template = "admin/exchange/change_list.html"
    import_template = "admin/exchange/import.html"
    import_title = ""
    import_intro = ""
    import_required_columns: list[str] = []
    # Every permission the import needs: it creates and changes (and for some rows deletes)
    # objects of several models.
    import_permissions: tuple[str, ...] = ()
    export_actions: tuple = ()

    def run_import(self, content: bytes, filename: str, *, dry_run: bool):  # pragma: no cover
        raise NotImplementedError

    def has_import_permission(self, request) -> bool:
        return request.user.is_active and request.user.has_perms(self.import_permissions)

    def import_url_name(self) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_import"

    def get_urls(self):
        urls = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name=self.import_url_name(),
            )
        ]
        return urls + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = dict(extra_context or {})
        if self.has_import_permission(request):
            extra_context["spreadsheet_import_url"] = reverse(
                f"{self.admin_site.name}:{self.import_url_name()}"
            )
        return super().changelist_view(request, extra_context)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.has_view_permission(request):
            for action in self.export_actions:
                func, name, description = self.get_action(action)
                actions[name] = (func, name, description)
        return actions

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        problems = []
        if request.method == "POST":
            form = ImportForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                result = self.run_import(
                    upload.read(), upload.name, dry_run=form.cleaned_data["dry_run"]
                )
                problems = result.problems
                if result.ok:
                    summary = f"{upload.name}: {result.summary()}"
                    if result.dry_run:
                        messages.info(request, summary)
                        form = ImportForm()
                    else:
                        messages.success(request, summary)
                        return HttpResponseRedirect(
                            reverse(
                                f"{self.admin_site.name}:"
                                f"{self.opts.app_label}_{self.opts.model_name}_changelist"
                            )
                        )
        else:
            form = ImportForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": self.import_title,
            "intro": self.import_intro,
            "required_columns": self.import_required_columns,
            "form": form,
            "problems": problems,
        }
        return TemplateResponse(request, self.import_template, context)


@admin.action(description=_("Export selected plans as CSV"))
def export_plans_csv(modeladmin, request, queryset):
    return download(*export_plans(queryset.order_by("slug"), CSV))


@admin.action(description=_("Export selected plans as XLSX"))
def export_plans_xlsx(modeladmin, request, queryset):
    return download(*export_plans(queryset.order_by("slug"), XLSX))


@admin.action(description=_("Export selected entries as CSV"))
def export_entries_csv(modeladmin, request, queryset):
    return download(*export_progress(queryset, CSV))


@admin.action(description=_("Export selected entries as XLSX"))
def export_entries_xlsx(modeladmin, request, queryset):
    return download(*export_progress(queryset, XLSX))


def _perms(app: str, actions_by_model: dict[str, str]) -> tuple[str, ...]:
    return tuple(
        f"{app}.{action}_{model}"
        for model, actions in actions_by_model.items()
        for action in actions.split()
    )


class PlanExchangeMixin(SpreadsheetImportMixin):
    import_title = _("Import plan")
    import_intro = _(
        "One row per plan, organisation, goal, subgoal, indicator, category and "
        "responsibility, told apart by the type column (see docs/import-export.md)."
    )
    import_required_columns = plan_format.REQUIRED_COLUMNS
    import_permissions = _perms(
        "indicators",
        {
            "plan": "add change",
            "organisation": "add change",
            "planorganisation": "add change delete",
            "goal": "add change",
            "subgoal": "add change",
            "indicator": "add change",
            "disaggregationcategory": "add change",
            "responsibility": "add",
        },
    )
    export_actions = (export_plans_csv, export_plans_xlsx)

    def run_import(self, content, filename, *, dry_run):
        return plan_format.import_plan(content, filename, dry_run=dry_run)


class ProgressExchangeMixin(SpreadsheetImportMixin):
    import_title = _("Import progress")
    import_intro = _(
        "One row per progress entry and category: the total, a category's value, or an "
        "entry's texts only (see docs/import-export.md). The reporting round must exist."
    )
    import_required_columns = progress_format.REQUIRED_COLUMNS
    import_permissions = _perms(
        "reporting", {"progressentry": "add change", "progressvalue": "add change delete"}
    )
    export_actions = (export_entries_csv, export_entries_xlsx)

    def run_import(self, content, filename, *, dry_run):
        return progress_format.import_progress(content, filename, dry_run=dry_run)
