"""Who may see and do what with progress entries.

Every view, admin page, API endpoint and service asks these functions; none decides on its own.
Each `*_denial` function returns None when the action is allowed, or the reason it is not, in
words a user can act on ("approved entries are locked", "the round closed on ...").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Membership
from indicators.models import PlanOrganisation

from .models import ProgressEntry, ReportingRound

Role = Membership.Role
COORDINATING = (PlanOrganisation.Role.COORDINATOR, PlanOrganisation.Role.CO_COORDINATOR)


@dataclass
class Access:
    """A user's memberships, read once per request."""

    user: object
    roles: dict[int, str] = field(default_factory=dict)  # organisation id -> role
    coordinated_plans: set[int] = field(default_factory=set)
    board_plans: set[int] = field(default_factory=set)

    @property
    def active(self) -> bool:
        return bool(self.user and self.user.is_authenticated and self.user.is_active)

    def organisations(self, *roles: str) -> set[int]:
        return {org for org, role in self.roles.items() if not roles or role in roles}

    def is_coordinator(self, plan_id: int) -> bool:
        return self.active and plan_id in self.coordinated_plans

    def is_board(self, plan_id: int) -> bool:
        return self.active and plan_id in self.board_plans

    def reads_everything(self, plan_id: int) -> bool:
        return self.is_coordinator(plan_id) or self.is_board(plan_id)

    def can_view(self, entry: ProgressEntry) -> bool:
        if not self.active:
            return False
        return entry.organisation_id in self.roles or self.reads_everything(entry.round.plan_id)

    def can_edit_organisation(self, organisation_id: int) -> bool:
        return self.active and self.roles.get(organisation_id) in (Role.EDITOR, Role.FOCAL_POINT)

    def can_submit_organisation(self, organisation_id: int) -> bool:
        return self.active and self.roles.get(organisation_id) == Role.FOCAL_POINT


def access_for(user) -> Access:
    cached = getattr(user, "_napportal_access", None)
    if cached is not None:
        return cached
    access = Access(user=user)
    if user is not None and user.is_authenticated and user.is_active:
        memberships = list(
            Membership.objects.filter(user=user).values_list("organisation_id", "role")
        )
        access.roles = dict(memberships)
        coordinating_orgs = [org for org, role in memberships if role == Role.COORDINATOR]
        board_orgs = [org for org, role in memberships if role == Role.BOARD]
        if coordinating_orgs or board_orgs:
            for plan_id, org_id, plan_role in PlanOrganisation.objects.filter(
                organisation_id__in=coordinating_orgs + board_orgs
            ).values_list("plan_id", "organisation_id", "role"):
                if org_id in coordinating_orgs and plan_role in COORDINATING:
                    access.coordinated_plans.add(plan_id)
                if org_id in board_orgs:
                    access.board_plans.add(plan_id)
    if user is not None:
        user._napportal_access = access
    return access


def visible_entries(user, queryset=None):
    """Entries the user may read: their own organisations', or every entry of plans they
    coordinate or oversee."""
    from django.db.models import Q

    access = access_for(user)
    queryset = ProgressEntry.objects.all() if queryset is None else queryset
    if not access.active:
        return queryset.none()
    return queryset.filter(
        Q(organisation_id__in=access.organisations())
        | Q(round__plan_id__in=access.coordinated_plans | access.board_plans)
    )


def active_lock_exception(entry: ProgressEntry, now=None):
    now = now or timezone.now()
    for exception in entry.lock_exceptions.all():
        if exception.is_active(now):
            return exception
    return None


def round_closed_reason(round_: ReportingRound, today=None) -> str | None:
    today = today or timezone.localdate()
    if round_.state != ReportingRound.State.OPEN:
        return _("The %(year)s round is %(state)s, not open for editing.") % {
            "year": round_.year,
            "state": round_.get_state_display().lower(),
        }
    if today > round_.deadline:
        return _("The %(year)s round closed for editing on %(deadline)s.") % {
            "year": round_.year,
            "deadline": date_format(round_.deadline),
        }
    return None


def edit_denial(user, entry: ProgressEntry, now=None) -> str | None:
    """None when `user` may edit `entry` now; otherwise why not."""
    access = access_for(user)
    if not access.active:
        return _("Log in to edit entries.")
    if not access.can_edit_organisation(entry.organisation_id):
        return _("This entry belongs to %(organisation)s, not to your organisation.") % {
            "organisation": entry.organisation
        }
    status = entry.status
    if status == ProgressEntry.Status.PUBLISHED:
        return _("Published entries are locked; a correction is issued as a new report version.")
    if status == ProgressEntry.Status.SUBMITTED:
        return _("The entry was submitted and awaits the coordinator's review.")
    exception = active_lock_exception(entry, now)
    if status == ProgressEntry.Status.APPROVED and exception is None:
        return _("Approved entries are locked. Ask the coordinator for a lock exception.")
    closed = round_closed_reason(entry.round, timezone.localdate(now) if now else None)
    if closed and exception is None:
        return closed
    return None


def create_denial(user, round_: ReportingRound, organisation_id: int) -> str | None:
    access = access_for(user)
    if not access.active:
        return _("Log in to edit entries.")
    if not access.can_edit_organisation(organisation_id):
        return _("You can only report for your own organisation.")
    return round_closed_reason(round_)


def submit_denial(user, entry: ProgressEntry) -> str | None:
    access = access_for(user)
    if not access.can_submit_organisation(entry.organisation_id):
        return _("Only your organisation's focal point can submit entries.")
    if entry.status not in (ProgressEntry.Status.DRAFT, ProgressEntry.Status.RETURNED):
        return _("Only draft or returned entries can be submitted.")
    closed = round_closed_reason(entry.round)
    if closed and active_lock_exception(entry) is None:
        return closed
    return None


def review_denial(user, entry: ProgressEntry) -> str | None:
    """Returning or approving: coordinators of the plan, on submitted entries."""
    access = access_for(user)
    if not access.is_coordinator(entry.round.plan_id):
        return _("Only the plan's coordinators review entries.")
    if entry.status != ProgressEntry.Status.SUBMITTED:
        return _("Only submitted entries can be reviewed.")
    return None


def approve_denial(user, entry: ProgressEntry) -> str | None:
    denial = review_denial(user, entry)
    if denial:
        return denial
    if entry.last_edited_by_id == user.pk:
        return _("You edited this entry last; another coordinator must approve it (four eyes).")
    return None


def coordinate_denial(user, round_: ReportingRound) -> str | None:
    if not access_for(user).is_coordinator(round_.plan_id):
        return _("Only the plan's coordinators can do this.")
    return None


def comment_denial(user, entry: ProgressEntry) -> str | None:
    access = access_for(user)
    if access.is_coordinator(entry.round.plan_id) or entry.organisation_id in access.organisations(
        Role.EDITOR, Role.FOCAL_POINT
    ):
        return None
    return _("Only the entry's organisation and the coordinators take part in its discussion.")


def lock_exception_denial(user, entry: ProgressEntry) -> str | None:
    """A lock exception lets an organisation edit a locked entry: an approved one, or one in a
    round that is closed for editing. Open entries need none."""
    denial = coordinate_denial(user, entry.round)
    if denial:
        return denial
    if entry.status == ProgressEntry.Status.PUBLISHED:
        return _("Published entries are corrected by issuing a new report version.")
    if entry.status != ProgressEntry.Status.APPROVED and round_closed_reason(entry.round) is None:
        return _(
            "This entry is not locked: lock exceptions are for approved entries and for entries "
            "in a round that is closed for editing."
        )
    return None
