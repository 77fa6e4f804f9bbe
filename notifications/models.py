"""What the daily reminder run sent, so a second run on the same day sends nothing again."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Reminder(models.Model):
    """One person was reminded about one round on one day (one row per part of a digest)."""

    class Kind(models.TextChoices):
        BEFORE_DEADLINE = "before_deadline", _("Before the deadline")
        OVERDUE = "overdue", _("Overdue")
        ESCALATION = "escalation", _("Overdue organisations, to the coordinator")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("user"),
    )
    round = models.ForeignKey(
        "reporting.ReportingRound",
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("round"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    sent_on = models.DateField(_("sent on"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-sent_on", "user", "round", "kind"]
        constraints = [
            # Leads with the day: the run looks up what was already sent today.
            models.UniqueConstraint(
                fields=["sent_on", "user", "round", "kind"], name="reminder_once_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sent_on} {self.user} {self.round}: {self.get_kind_display()}"
