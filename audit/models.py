"""The audit trail: one row per change, transition, login or refusal, never changed afterwards."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """An audit event cannot be changed or deleted."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit events cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    class Category(models.TextChoices):
        PROGRESS = "progress", _("Progress data")
        FRAMEWORK = "framework", _("Plan framework")
        WORKFLOW = "workflow", _("Workflow")
        ROLE = "role", _("Role or account")
        AUTH = "auth", _("Login")
        ACCESS = "access", _("Access refused")

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        TRANSITION = "transition", _("Status changed")
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Login failed")
        LOGOUT = "logout", _("Logged out")
        DENIED = "denied", _("Refused")

    at = models.DateTimeField(_("time (UTC)"), default=timezone.now, db_index=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    # The user row may be deleted later; the name stays readable in the trail.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        verbose_name=_("actor"),
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    # {field: [old, new]}, the changed fields only; secrets are never stored.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    request_id = models.CharField(_("request id"), max_length=128, blank=True, db_index=True)
    method = models.CharField(_("method"), max_length=10, blank=True)
    path = models.CharField(_("path"), max_length=500, blank=True)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name or '-'} {self.action} {self.object_repr}"
        )

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events cannot be deleted.")

    def as_log(self) -> dict:
        """The event as the `audit` logger writes it."""
        return {
            "event": "audit",
            "at": self.at.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z"),
            "category": self.category,
            "action": self.action,
            "actor_id": self.actor_id,
            "actor": self.actor_name,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "changes": self.changes,
            "request_id": self.request_id,
            "method": self.method,
            "path": self.path,
            "status_code": self.status_code,
            "ip": self.ip,
        }
