"""The coordinators' pages: rounds, review, completeness; the board reads them all.

Every view starts from `_coordinated_round` or `_readable_round`, which turn anyone without a
role in the plan into a 404. Writes go through reporting.workflow; a refusal shows the reason
reporting.access gives.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from indicators.models import Plan
from reporting import access, history, workflow
from reporting.models import ProgressEntry, ReportingRound

from . import exports, selectors
from .forms import (
    ApproveForm,
    CommentForm,
    LockExceptionForm,
    PublicationForm,
    QueueFilterForm,
    ReturnForm,
    RoundStateForm,
)

Status = ProgressEntry.Status


# --- access --------------------------------------------------------------------------------


def _round(slug: str, year: int) -> ReportingRound:
    return get_object_or_404(
        ReportingRound.objects.select_related("plan"), plan__slug=slug, year=year
    )


def _coordinated_round(request, slug: str, year: int) -> ReportingRound:
    """The round, if the user coordinates its plan; a 404 for everyone else."""
    round_ = _round(slug, year)
    if access.coordinate_denial(request.user, round_):
        raise Http404
    return round_


def _readable_round(request, slug: str, year: int) -> tuple[ReportingRound, bool]:
    """The round and whether the user may act on it: coordinators act, board members read."""
    round_ = _round(slug, year)
    if access.coordinate_denial(request.user, round_) is None:
        return round_, True
    if access.access_for(request.user).is_board(round_.plan_id):
        return round_, False
    raise Http404


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc.args[0]) if exc.args else _("You cannot do this.")


def _round_conflict(current: ReportingRound) -> str:
    return _(
        "Someone else changed the %(year)s round while you had this page open; nothing was "
        "done. The page now shows the round as it is: check it and try again."
    ) % {"year": current.year}


def _form_errors(form) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


# --- plans and rounds ----------------------------------------------------------------------


@login_required
@require_GET
def index(request):
    user_access = access.access_for(request.user)
    if not user_access.active:
        raise Http404
    plan_ids = user_access.coordinated_plans | user_access.board_plans
    plans = list(Plan.objects.filter(pk__in=plan_ids).prefetch_related("rounds"))
    if not plans:
        raise Http404
    return render(
        request,
        "coordination/index.html",
        {
            "plans": [
                (plan, user_access.is_coordinator(plan.pk), list(plan.rounds.all()))
                for plan in plans
            ]
        },
    )


@login_required
@require_GET
def plan_overview(request, slug):
    plan = get_object_or_404(Plan, slug=slug)
    if not access.access_for(request.user).is_coordinator(plan.pk):
        raise Http404
    rounds = list(plan.rounds.all())
    counts = selectors.round_status_counts(plan)
    return render(
        request,
        "coordination/plan.html",
        {
            "plan": plan,
            "can_coordinate": True,
            "rounds": [
                {
                    "round": round_,
                    "counts": [
                        (label, counts.get(round_.pk, {}).get(value, 0))
                        for value, label in Status.choices
                    ],
                    "approved": counts.get(round_.pk, {}).get(Status.APPROVED, 0),
                    "publication_form": PublicationForm(
                        prefix=f"round-{round_.pk}",
                        initial={"at": round_.publish_at},
                    ),
                }
                for round_ in rounds
            ],
        },
    )


@login_required
@require_POST
def set_round_state(request, slug, year):
    round_ = _coordinated_round(request, slug, year)
    form = RoundStateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            round_ = workflow.set_round_state(
                acting_user=request.user,
                round_=round_,
                state=form.cleaned_data["state"],
                expected_version=form.cleaned_data["version"],
            )
        except workflow.EditConflict as conflict:
            messages.error(request, _round_conflict(conflict.current))
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, _reason(exc))
        else:
            messages.success(
                request,
                _("The %(year)s round is now %(state)s.")
                % {"year": round_.year, "state": round_.get_state_display().lower()},
            )
    return redirect("coordination:plan", slug=slug)


@login_required
@require_POST
def schedule_publication(request, slug, year):
    round_ = _coordinated_round(request, slug, year)
    form = PublicationForm(request.POST, prefix=f"round-{round_.pk}")
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("coordination:plan", slug=slug)
    at = None if form.cleaned_data["now"] else form.cleaned_data["at"]
    try:
        round_ = workflow.schedule_publication(
            acting_user=request.user,
            round_=round_,
            at=at,
            expected_version=form.cleaned_data["version"],
        )
    except workflow.EditConflict as conflict:
        messages.error(request, _round_conflict(conflict.current))
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, _reason(exc))
    else:
        if round_.state == ReportingRound.State.PUBLISHED:
            messages.success(request, _("The %(year)s round is published.") % {"year": round_.year})
        else:
            messages.success(
                request,
                _("The %(year)s round will be published at the embargo time shown.")
                % {"year": round_.year},
            )
    return redirect("coordination:plan", slug=slug)


# --- review --------------------------------------------------------------------------------


@login_required
@require_GET
def review_queue(request, slug, year):
    round_, can_coordinate = _readable_round(request, slug, year)
    form = QueueFilterForm(request.GET or None, round_=round_)
    organisation = goal = None
    if form.is_bound and form.is_valid():
        organisation = form.cleaned_data["organisation"]
        goal = form.cleaned_data["goal"]
    entries = list(selectors.review_queue(round_, organisation=organisation, goal=goal))
    return render(
        request,
        "coordination/queue.html",
        {
            "plan": round_.plan,
            "round": round_,
            "form": form,
            "entries": entries,
            "can_coordinate": can_coordinate,
            "tab": "queue",
        },
    )


def _review_page(request, round_, entry, *, status=200, can_coordinate=True, **forms):
    user = request.user
    approve_denial = access.approve_denial(user, entry)
    review_denial = access.review_denial(user, entry)
    lock_denial = access.lock_exception_denial(user, entry)
    languages = [
        {
            "code": code,
            "name": name,
            "narrative": getattr(entry, f"narrative_{code}", ""),
            "reason": getattr(entry, f"not_reported_reason_{code}", ""),
        }
        for code, name in settings.LANGUAGES
    ]
    values = {value.category_id: value for value in entry.values.all()}
    categories = list(entry.indicator.categories.all()) if entry.indicator_id else []
    context = {
        "plan": round_.plan,
        "round": round_,
        "can_coordinate": can_coordinate,
        "tab": "queue",
        "entry": entry,
        "language_versions": languages,
        "total": values.get(None),
        "category_values": [(category, values.get(category.pk)) for category in categories],
        "examples": [
            {
                "example": example,
                "texts": [
                    (
                        code,
                        getattr(example, f"title_{code}", ""),
                        getattr(example, f"description_{code}", ""),
                    )
                    for code, _name in settings.LANGUAGES
                    if getattr(example, f"title_{code}", "")
                    or getattr(example, f"description_{code}", "")
                ],
            }
            for example in entry.examples.all()
        ],
        "review_denial": review_denial,
        "approve_denial": approve_denial,
        "lock_denial": lock_denial,
        "comment_denial": access.comment_denial(user, entry),
        "lock_exceptions": list(entry.lock_exceptions.all()),
        "comparisons": history.suggested_pairs(history.versions(entry)),
        "comment_form": forms.get("comment_form") or CommentForm(),
        "return_form": forms.get("return_form") or ReturnForm(),
        "approve_form": forms.get("approve_form") or ApproveForm(),
        "lock_form": forms.get("lock_form") or LockExceptionForm(),
    }
    return render(request, "coordination/review.html", context, status=status)


def _entry(request, slug, year, pk):
    round_ = _coordinated_round(request, slug, year)
    return round_, selectors.review_entry(round_, pk)


def _readable_entry(request, slug, year, pk):
    """For pages that only read: board members see every entry, unpublished ones included."""
    round_, can_coordinate = _readable_round(request, slug, year)
    return round_, selectors.review_entry(round_, pk), can_coordinate


def _back_to_review(entry_round, entry):
    return redirect(
        "coordination:review",
        slug=entry_round.plan.slug,
        year=entry_round.year,
        pk=entry.pk,
    )


@login_required
@require_GET
def review(request, slug, year, pk):
    round_, entry, can_coordinate = _readable_entry(request, slug, year, pk)
    return _review_page(request, round_, entry, can_coordinate=can_coordinate)


def _entry_action(request, slug, year, pk, *, form_class, form_name, act, done):
    """Run one review action: validate the form, call the workflow, and on a refusal show the
    review page again with the reason (403 not allowed, 400 invalid) and the typed text kept."""
    round_, entry = _entry(request, slug, year, pk)
    form = form_class(request.POST)

    def again(status):
        return _review_page(request, round_, entry, status=status, **{form_name: form})

    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return again(400)
    try:
        act(entry, form.cleaned_data)
    except PermissionDenied as exc:
        messages.error(request, _reason(exc))
        return again(403)
    except ValidationError as exc:
        messages.error(request, _reason(exc))
        return again(400)
    messages.success(request, done(entry))
    return _back_to_review(round_, entry)


@login_required
@require_POST
def add_comment(request, slug, year, pk):
    return _entry_action(
        request,
        slug,
        year,
        pk,
        form_class=CommentForm,
        form_name="comment_form",
        act=lambda entry, data: workflow.add_comment(
            acting_user=request.user, entry=entry, text=data["text"]
        ),
        done=lambda entry: _("Your comment was added."),
    )


@login_required
@require_POST
def return_entry(request, slug, year, pk):
    return _entry_action(
        request,
        slug,
        year,
        pk,
        form_class=ReturnForm,
        form_name="return_form",
        act=lambda entry, data: workflow.return_entry(
            acting_user=request.user, entry=entry, comment=data["comment"]
        ),
        done=lambda entry: (
            _("The entry was returned to %(organisation)s.") % {"organisation": entry.organisation}
        ),
    )


@login_required
@require_POST
def approve_entry(request, slug, year, pk):
    return _entry_action(
        request,
        slug,
        year,
        pk,
        form_class=ApproveForm,
        form_name="approve_form",
        act=lambda entry, data: workflow.approve_entry(
            acting_user=request.user, entry=entry, comment=data.get("comment", "")
        ),
        done=lambda entry: _("The entry was approved."),
    )


@login_required
@require_POST
def grant_lock_exception(request, slug, year, pk):
    return _entry_action(
        request,
        slug,
        year,
        pk,
        form_class=LockExceptionForm,
        form_name="lock_form",
        act=lambda entry, data: workflow.grant_lock_exception(
            acting_user=request.user, entry=entry, reason=data["reason"], until=data["until"]
        ),
        done=lambda entry: (
            _("%(organisation)s may edit this entry until the time shown.")
            % {"organisation": entry.organisation}
        ),
    )


@login_required
@require_GET
def diff(request, slug, year, pk):
    round_, entry, can_coordinate = _readable_entry(request, slug, year, pk)
    steps = history.versions(entry)
    try:
        old_id, new_id = history.chosen_pair(steps, request.GET)
    except ValueError as exc:
        raise Http404 from exc
    comparison = None
    if old_id and new_id:
        comparison = history.compare(entry, steps, old_id, new_id)
        if comparison is None:
            raise Http404
    return render(
        request,
        "coordination/diff.html",
        {
            "plan": round_.plan,
            "round": round_,
            "can_coordinate": can_coordinate,
            "tab": "queue",
            "entry": entry,
            "versions": steps,
            "comparison": comparison,
        },
    )


# --- completeness --------------------------------------------------------------------------


@login_required
@require_GET
def dashboard(request, slug, year):
    round_, can_coordinate = _readable_round(request, slug, year)
    data = selectors.build_dashboard(round_)
    export = request.GET.get("export")
    if export in exports.FORMATS:
        content, content_type = exports.render(data, export)
        response = HttpResponse(content, content_type=content_type)
        filename = f"{round_.plan.slug}-{round_.year}-completeness.{export}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    if export:
        raise Http404
    return render(
        request,
        "coordination/dashboard.html",
        {
            "plan": round_.plan,
            "round": round_,
            "dashboard": data,
            "tables": data.tables(),
            "can_coordinate": can_coordinate,
            "tab": "dashboard",
            "download_csv": reverse("coordination:dashboard", args=[slug, year]) + "?export=csv",
            "download_xlsx": reverse("coordination:dashboard", args=[slug, year]) + "?export=xlsx",
        },
    )


@login_required
@require_GET
def dashboard_cell(request, slug, year, organisation, goal):
    round_, can_coordinate = _readable_round(request, slug, year)
    data = selectors.build_dashboard(round_)
    cell = data.cell(organisation, goal)
    if cell is None:
        raise Http404
    return render(
        request,
        "coordination/cell.html",
        {
            "plan": round_.plan,
            "round": round_,
            "dashboard": data,
            "cell": cell,
            "organisation_name": data.organisation_name(cell.organisation),
            "can_coordinate": can_coordinate,
            "tab": "dashboard",
        },
    )
