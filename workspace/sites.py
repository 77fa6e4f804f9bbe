"""The reporting workspace: an admin site of its own for the organisations that report.

Any active member of an organisation may log in (the staff flag plays no part); what each may
see and do is decided by `reporting.access`, and every change goes through `reporting.workflow`.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from indicators.models import Organisation, Responsibility
from reporting import access, workflow
from reporting.models import ReportingRound

from . import selectors
from .forms import WorkspaceLoginForm


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc


class ReportingSite(admin.AdminSite):
    site_header = _("NAP 1325 reporting")
    site_title = _("NAP 1325 reporting")
    index_title = _("Worklist")
    index_template = "workspace/index.html"
    enable_nav_sidebar = False

    def __init__(self, name="workspace"):
        super().__init__(name=name)

    login_form = WorkspaceLoginForm

    def has_permission(self, request):
        user = request.user
        return bool(
            user.is_authenticated and user.is_active and access.access_for(user).organisations()
        )

    def get_urls(self):
        return [
            path("start/", self.admin_view(self.start_entry_view), name="start_entry"),
            path(
                "submit/",
                self.admin_view(self.submit_organisation_view),
                name="submit_organisation",
            ),
            *super().get_urls(),
        ]

    def index(self, request, extra_context=None):
        """The worklist: what each of the user's organisations reports on in each open round."""
        context = {
            **self.each_context(request),
            "title": self.index_title,
            "subtitle": None,
            "worklist": selectors.build_worklist(request.user),
            **(extra_context or {}),
        }
        request.current_app = self.name
        return TemplateResponse(request, self.index_template, context)

    def _index_url(self) -> str:
        return reverse(f"{self.name}:index")

    def _entry_url(self, entry) -> str:
        return reverse(f"{self.name}:reporting_progressentry_change", args=[entry.pk])

    def start_entry_view(self, request):
        """Start the draft of a worklist item (workflow.start_entry); opens it for editing."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        user_access = access.access_for(request.user)
        responsibility = get_object_or_404(
            Responsibility.objects.select_related("organisation", "goal", "subgoal", "indicator"),
            pk=_int(request.POST.get("responsibility")),
            organisation_id__in=user_access.organisations(),
        )
        round_ = get_object_or_404(
            ReportingRound, pk=_int(request.POST.get("round")), plan_id=responsibility.goal.plan_id
        )
        entry = selectors.existing_entry(round_, responsibility.organisation_id, responsibility)
        if entry is None:
            try:
                entry = workflow.start_entry(
                    acting_user=request.user,
                    round_=round_,
                    organisation=responsibility.organisation,
                    goal=responsibility.goal,
                    subgoal=responsibility.subgoal,
                    indicator=responsibility.indicator,
                )
            except PermissionDenied as exc:
                messages.error(request, str(exc))
                return HttpResponseRedirect(self._index_url())
            except ValidationError:
                # Started by someone else a moment ago: open theirs.
                entry = selectors.existing_entry(
                    round_, responsibility.organisation_id, responsibility
                )
                if entry is None:
                    raise
            messages.success(request, gettext("The entry was started as a draft."))
        return HttpResponseRedirect(self._entry_url(entry))

    def submit_organisation_view(self, request):
        """A focal point submits every draft of the organisation (workflow.submit_organisation)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        user_access = access.access_for(request.user)
        organisation = get_object_or_404(
            Organisation,
            pk=_int(request.POST.get("organisation")),
            pk__in=user_access.organisations(),
        )
        round_ = get_object_or_404(ReportingRound, pk=_int(request.POST.get("round")))
        try:
            submitted = workflow.submit_organisation(
                acting_user=request.user, round_=round_, organisation=organisation
            )
        except (PermissionDenied, ValidationError) as exc:
            reason = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            messages.error(
                request, gettext("Nothing was submitted. %(reason)s") % {"reason": reason}
            )
        else:
            messages.success(
                request,
                gettext("%(count)s entries of %(organisation)s were submitted to the coordinator.")
                % {"count": len(submitted), "organisation": organisation},
            )
        return HttpResponseRedirect(self._index_url())


reporting_site = ReportingSite()
