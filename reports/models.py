"""Report generation jobs (the web button's background work) and frozen published reports."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reporting.models import ReportingRound


class Format(models.TextChoices):
    PDF = "pdf", _("PDF (tagged)")
    DOCX = "docx", _("Word (DOCX)")
    HTML = "html", _("HTML")


class Layout(models.TextChoices):
    ORGANISATION = "organisation", _("By organisation")
    GOAL = "goal", _("By strategic goal, across organisations")


class ReportJob(models.Model):
    """A report a coordinator asked for on the web; `run_report_jobs` renders it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Being generated")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    class Kind(models.TextChoices):
        DOCUMENT = "document", _("Document")
        FREEZE = "freeze", _("Store the published report")

    kind = models.CharField(
        _("kind"),
        max_length=10,
        choices=Kind.choices,
        default=Kind.DOCUMENT,
        help_text=_(
            "A freeze job stores the published report's documents when a round is published."
        ),
    )
    round = models.ForeignKey(
        ReportingRound,
        on_delete=models.CASCADE,
        related_name="report_jobs",
        verbose_name=_("round"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    layout = models.CharField(_("layout"), max_length=20, choices=Layout.choices)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    draft = models.BooleanField(_("draft preview"), default=False)
    final = models.BooleanField(_("final report over the plan period"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    step = models.CharField(_("step"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=120, blank=True)
    content = models.BinaryField(_("content"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("report job")
        verbose_name_plural = _("report jobs")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="reportjob_queue_idx")]

    def __str__(self) -> str:
        return f"{self.round} {self.format} {self.layout} {self.language} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class PublishedReportQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Published reports are immutable; issue a corrected version instead.")

    def delete(self):
        raise TypeError("Published reports are immutable; issue a corrected version instead.")


class PublishedReport(models.Model):
    """A report as it was published: stored once, with its content hash, and never changed.

    A correction is a new version next to the old one; both stay available.
    """

    round = models.ForeignKey(
        ReportingRound,
        on_delete=models.PROTECT,
        related_name="published_reports",
        verbose_name=_("round"),
    )
    version = models.PositiveSmallIntegerField(_("version"))
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    layout = models.CharField(_("layout"), max_length=20, choices=Layout.choices)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=120)
    content = models.BinaryField(_("content"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    note = models.TextField(
        _("note"), blank=True, help_text=_("Why a corrected version was issued.")
    )
    created_at = models.DateTimeField(_("published at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )

    objects = PublishedReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("published report")
        verbose_name_plural = _("published reports")
        ordering = ["round", "-version", "format", "layout", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "version", "format", "layout", "language"],
                name="publishedreport_unique_document",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round} v{self.version} {self.format} {self.layout} {self.language}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Published reports are immutable; issue a corrected version instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Published reports are immutable; issue a corrected version instead.")
