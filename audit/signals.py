"""Audit events from model signals, login signals and workflow transitions.

Model signals catch every write, whichever path it takes (workspace, coordination pages, the
admin, imports, commands), so no view has to remember to audit. The old values are read from
the database just before the save, so an update records what really changed.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import ObjectDoesNotExist
from django.core.signals import request_finished
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from modeltranslation.translator import NotRegistered, translator

from . import context
from .models import AuditEvent
from .recorder import UNSET, diff, field_values, plain, record

Category = AuditEvent.Category
Action = AuditEvent.Action

# Which models are audited, and under which category.
TRACKED = {
    "reporting.ProgressEntry": Category.PROGRESS,
    "reporting.ProgressValue": Category.PROGRESS,
    "reporting.Reference": Category.PROGRESS,
    "reporting.Example": Category.PROGRESS,
    "reporting.CoverLetter": Category.PROGRESS,
    "reporting.LetterSignature": Category.PROGRESS,
    "reporting.PlanNarrative": Category.PROGRESS,
    "reporting.EntryComment": Category.PROGRESS,
    "reporting.ReportingRound": Category.WORKFLOW,
    "reporting.LockException": Category.WORKFLOW,
    "indicators.Plan": Category.FRAMEWORK,
    "indicators.PlanOrganisation": Category.FRAMEWORK,
    "indicators.Organisation": Category.FRAMEWORK,
    "indicators.Goal": Category.FRAMEWORK,
    "indicators.Subgoal": Category.FRAMEWORK,
    "indicators.Indicator": Category.FRAMEWORK,
    "indicators.DisaggregationCategory": Category.FRAMEWORK,
    "indicators.Responsibility": Category.FRAMEWORK,
    "accounts.Membership": Category.ROLE,
    "accounts.User": Category.ROLE,
    "auth.Group": Category.ROLE,
}
# Changed on every login (the login event says it) or on every save: noise, not a change.
IGNORED = frozenset({"last_login"})


def _ignored(model) -> frozenset:
    auto = {f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)}
    return IGNORED | auto | _translated(model)


def _translated(model) -> set:
    """Fields translated by modeltranslation: their per-language columns carry the change."""
    try:
        return set(translator.get_options_for_model(model).all_fields)
    except NotRegistered:
        return set()


def _actor(instance):
    # The workflow functions name the acting user for the history; outside them, the request's.
    user = getattr(instance, "_history_user", None)
    return user if user is not None else UNSET


def _old_values(sender, instance) -> dict | None:
    if instance._state.adding or instance.pk is None:
        return None
    fields = [f for f in sender._meta.concrete_fields if not f.primary_key]
    row = sender._base_manager.filter(pk=instance.pk).values(*[f.attname for f in fields]).first()
    if row is None:
        return None
    return {f.name: row[f.attname] for f in fields}


def before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw:
        return
    instance._audit_old = _old_values(sender, instance)


def after_save(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw:
        return
    old = None if created else getattr(instance, "_audit_old", None)
    new = field_values(instance)
    if update_fields is not None and old is not None:
        new = {name: value for name, value in new.items() if name in update_fields}
        old = {name: old.get(name) for name in new}
    if old is None:
        # Created (or saved over a row that vanished): the values set, empty ones left out.
        old = {}
        new = {name: value for name, value in new.items() if value not in (None, "")}
    changes = diff(old, new, _ignored(sender))
    if not created and not changes:
        return
    record(
        category=TRACKED[sender._meta.label],
        action=Action.CREATE if created else Action.UPDATE,
        obj=instance,
        changes=changes,
        actor=_actor(instance),
    )


def before_delete(sender, instance, **kwargs):
    # A cascade removes related rows before post_delete, and a __str__ that follows them
    # would fail then: name the object while everything still exists.
    try:
        instance._audit_repr = str(instance)
    except ObjectDoesNotExist:
        instance._audit_repr = f"{sender._meta.verbose_name} {instance.pk}"


def after_delete(sender, instance, **kwargs):
    old = {name: value for name, value in field_values(instance).items() if value is not None}
    record(
        category=TRACKED[sender._meta.label],
        action=Action.DELETE,
        obj=instance,
        changes=diff(old, {}, _ignored(sender)),
        actor=_actor(instance),
    )


def after_transition(sender, instance, created, raw=False, **kwargs):
    if raw or not created:
        return
    changes = {"status": [instance.from_status or None, instance.to_status]}
    if instance.comment:
        changes["comment"] = [None, plain(instance.comment)]
    record(
        category=Category.WORKFLOW,
        action=Action.TRANSITION,
        obj=instance.entry,
        changes=changes,
        actor=instance.actor if instance.actor is not None else UNSET,
    )


def _related_pks(instance, field_name) -> list:
    return sorted(getattr(instance, field_name).values_list("pk", flat=True))


def m2m_role_change(sender, instance, action, reverse, model, pk_set, **kwargs):
    """Groups and permissions of a user or group: who may do what in the admin."""
    if reverse:
        return
    field_name = next(
        (f.name for f in type(instance)._meta.many_to_many if f.remote_field.through is sender),
        None,
    )
    if field_name is None:
        return
    if action in ("pre_add", "pre_remove", "pre_clear"):
        instance._audit_m2m_old = _related_pks(instance, field_name)
    elif action in ("post_add", "post_remove", "post_clear"):
        old = getattr(instance, "_audit_m2m_old", [])
        new = _related_pks(instance, field_name)
        if old != new:
            record(
                category=Category.ROLE,
                action=Action.UPDATE,
                obj=instance,
                changes={field_name: [old, new]},
            )


def logged_in(sender, request, user, **kwargs):
    record(category=Category.AUTH, action=Action.LOGIN, obj=user, actor=user)


def logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(category=Category.AUTH, action=Action.LOGOUT, obj=user, actor=user)


def login_failed(sender, credentials, request=None, **kwargs):
    # Only the name typed; Django already masks the password, and it is never read here.
    name = str(credentials.get("username", ""))[:150]
    record(
        category=Category.AUTH,
        action=Action.LOGIN_FAILED,
        actor=None,
        actor_name=name,
        object_type="accounts.user",
        object_repr=name,
    )


def connect() -> None:
    for label in TRACKED:
        model = apps.get_model(label)
        uid = f"audit-{label}"
        pre_save.connect(before_save, sender=model, dispatch_uid=f"{uid}-pre")
        post_save.connect(after_save, sender=model, dispatch_uid=f"{uid}-post")
        pre_delete.connect(before_delete, sender=model, dispatch_uid=f"{uid}-pre-delete")
        post_delete.connect(after_delete, sender=model, dispatch_uid=f"{uid}-delete")
    post_save.connect(
        after_transition,
        sender=apps.get_model("reporting.EntryTransition"),
        dispatch_uid="audit-transition",
    )
    user_model = apps.get_model("accounts.User")
    group_model = apps.get_model("auth.Group")
    for through in (
        user_model.groups.through,
        user_model.user_permissions.through,
        group_model.permissions.through,
    ):
        m2m_changed.connect(m2m_role_change, sender=through, dispatch_uid=f"audit-m2m-{through}")
    user_logged_in.connect(logged_in, dispatch_uid="audit-login")
    user_logged_out.connect(logged_out, dispatch_uid="audit-logout")
    user_login_failed.connect(login_failed, dispatch_uid="audit-login-failed")
    request_finished.connect(context.end_request, dispatch_uid="audit-request-finished")
