"""Yearly reporting: rounds, progress entries with their values, references and examples,
and the cover letter that goes with the report to parliament."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from indicators.models import DisaggregationCategory, Indicator, Organisation, Plan, PlanScope
from napportal.richtext import RichTextField


class ReportingRound(models.Model):
    """The yearly data call for one plan: every responsible organisation reports on one year."""

    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        PUBLISHED = "published", _("Published")

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="rounds", verbose_name=_("plan")
    )
    year = models.PositiveSmallIntegerField(_("year reported on"))
    opens_on = models.DateField(_("opening date"))
    deadline = models.DateField(_("deadline"))
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.PLANNED
    )
    publish_at = models.DateTimeField(
        _("publish at"),
        null=True,
        blank=True,
        help_text=_("Embargo: the round is published at this moment, not before."),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # Optimistic locking (napportal.locking): every save raises it by one.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("reporting round")
        verbose_name_plural = _("reporting rounds")
        ordering = ["plan", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "year"], name="round_unique_year"),
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("opens_on")), name="round_deadline_after_opening"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan.short_name} {self.year}"

    def clean(self):
        errors = {}
        if self.plan_id and self.year and self.year not in self.plan.years:
            errors["year"] = _("The year lies outside the plan period %(first)s-%(last)s.") % {
                "first": self.plan.first_year,
                "last": self.plan.last_year,
            }
        if self.opens_on and self.deadline and self.deadline < self.opens_on:
            errors["deadline"] = _("The deadline cannot come before the opening date.")
        if errors:
            raise ValidationError(errors)


# Plan, year, then the plan's own order of goals, subgoals and indicators, then organisation.
ENTRY_ORDER = (
    "round__plan__slug",
    "round__year",
    "goal__number",
    models.F("subgoal__position").asc(nulls_first=True),
    "subgoal__number",
    models.F("indicator__position").asc(nulls_first=True),
    "indicator__code",
    "organisation__slug",
    "pk",
)


class ProgressEntryQuerySet(models.QuerySet):
    def published(self):
        """The only entries the public may see. Every public page, download and API starts here."""
        return self.filter(status=ProgressEntry.Status.PUBLISHED)

    def for_year(self, year: int):
        return self.filter(round__year=year)

    def for_plan(self, plan):
        return self.filter(round__plan=plan)

    def for_organisation(self, organisation):
        return self.filter(organisation=organisation)

    def in_report_order(self):
        return self.order_by(
            "goal__number",
            models.F("subgoal__position").asc(nulls_first=True),
            models.F("indicator__position").asc(nulls_first=True),
            "indicator__code",
            "pk",
        )


class ProgressEntry(PlanScope):
    """One organisation's progress on one goal, subgoal or indicator for one year."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for revision")
        APPROVED = "approved", _("Approved")
        PUBLISHED = "published", _("Published")

    class NotReported(models.TextChoices):
        NOTHING_TO_REPORT = "nothing_to_report", _("Nothing to report")
        NO_DATA = "no_data_available", _("No data available")

    round = models.ForeignKey(
        ReportingRound, on_delete=models.CASCADE, related_name="entries", verbose_name=_("round")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("organisation"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    narrative = RichTextField(_("progress"), blank=True)
    not_reported = models.CharField(
        _("not reported"), max_length=30, choices=NotReported.choices, blank=True
    )
    not_reported_reason = models.TextField(_("reason"), blank=True)
    currency = models.CharField(
        _("currency"), max_length=3, blank=True, help_text=_("ISO 4217 code of the amounts.")
    )
    # Optimistic locking: a save must name the version it started from.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last edited by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    objects = ProgressEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("progress entry")
        verbose_name_plural = _("progress entries")
        constraints = PlanScope.scope_constraints(["round", "organisation"], "entry")
        indexes = [
            models.Index(fields=["status"], name="entry_status_idx"),
            # The public pages' publication stamp (public/caching.py) reads the newest published
            # entry on every request: an index lookup instead of a scan of all entries.
            models.Index(fields=["status", "updated_at"], name="entry_status_updated_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.round.year}: {self.scope_label}"

    def clean(self):
        errors = self.clean_scope()
        if self.goal_id and self.round_id and self.goal.plan_id != self.round.plan_id:
            errors["goal"] = _("The goal belongs to another plan.")
        if self.not_reported and not self.has_reason():
            errors["not_reported_reason"] = _(
                "Say why there is nothing to report or no data available."
            )
        indicator = self.indicator if self.indicator_id else None
        if indicator and indicator.kind == Indicator.Kind.AMOUNT and not self.currency:
            self.currency = indicator.currency
        if self.currency and not (indicator and indicator.kind == Indicator.Kind.AMOUNT):
            errors["currency"] = _("Only entries on an amount indicator have a currency.")
        if errors:
            raise ValidationError(errors)

    def has_reason(self) -> bool:
        return any(
            (getattr(self, f"not_reported_reason_{code}", "") or "").strip()
            for code, _name in settings.LANGUAGES
        )


class ProgressValue(models.Model):
    """A figure for a quantitative indicator: the total, or one disaggregation category."""

    entry = models.ForeignKey(
        ProgressEntry, on_delete=models.CASCADE, related_name="values", verbose_name=_("entry")
    )
    category = models.ForeignKey(
        DisaggregationCategory,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="values",
        verbose_name=_("category"),
        help_text=_("Empty for the total."),
    )
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2)

    class Meta:
        verbose_name = _("value")
        verbose_name_plural = _("values")
        ordering = ["entry", models.F("category__position").asc(nulls_last=True)]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "category"],
                condition=Q(category__isnull=False),
                name="value_unique_category",
            ),
            models.UniqueConstraint(
                fields=["entry"], condition=Q(category__isnull=True), name="value_unique_total"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category or _('Total')}: {self.value}"

    def clean(self):
        errors = {}
        indicator = self.entry.indicator if self.entry_id else None
        if indicator is None or not indicator.is_quantitative:
            raise ValidationError(_("Only quantitative indicators take numeric values."))
        if self.category_id and self.category.indicator_id != indicator.pk:
            errors["category"] = _("This category belongs to another indicator.")
        if self.value is not None:
            if self.value < 0:
                errors["value"] = _("Cannot be negative.")
            elif indicator.kind == Indicator.Kind.PERCENTAGE and self.value > 100:
                errors["value"] = _("A percentage lies between 0 and 100.")
            elif indicator.kind == Indicator.Kind.COUNT and self.value != int(self.value):
                errors["value"] = _("A count is a whole number.")
        if errors:
            raise ValidationError(errors)


class Reference(models.Model):
    """A source the entry cites: a parliamentary paper, a document, or a web page."""

    class Kind(models.TextChoices):
        PARLIAMENTARY_PAPER = "parliamentary_paper", _("Parliamentary paper")
        DOCUMENT = "document", _("Document")
        URL = "url", _("Web page")

    entry = models.ForeignKey(
        ProgressEntry, on_delete=models.CASCADE, related_name="references", verbose_name=_("entry")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    citation = models.CharField(
        _("citation"), max_length=100, blank=True, help_text=_('e.g. "26 150, nr. 190"')
    )
    title = models.CharField(_("title"), max_length=300, blank=True)
    url = models.URLField(_("URL"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("reference")
        verbose_name_plural = _("references")
        ordering = ["entry", "position", "pk"]

    def __str__(self) -> str:
        return " – ".join(part for part in (self.citation, self.title, self.url) if part)

    def clean(self):
        if self.kind == self.Kind.PARLIAMENTARY_PAPER and not self.citation:
            raise ValidationError({"citation": _("A parliamentary paper needs its number.")})
        if self.kind == self.Kind.URL and not self.url:
            raise ValidationError({"url": _("A web page needs its address.")})
        if not (self.citation or self.title or self.url):
            raise ValidationError(_("A reference needs a citation, a title or an address."))


class Example(models.Model):
    """A structured example (project, story) for a qualitative indicator."""

    entry = models.ForeignKey(
        ProgressEntry, on_delete=models.CASCADE, related_name="examples", verbose_name=_("entry")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=300)
    description = RichTextField(_("description"), blank=True)
    country = CountryField(_("country"), blank=True)
    partner = models.CharField(_("partner"), max_length=300, blank=True)
    link = models.URLField(_("link"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("example")
        verbose_name_plural = _("examples")
        ordering = ["entry", "position", "pk"]

    def __str__(self) -> str:
        return self.title


class CoverLetter(models.Model):
    """The minister's letter that goes to parliament with a round's report."""

    round = models.OneToOneField(
        ReportingRound, on_delete=models.CASCADE, related_name="letter", verbose_name=_("round")
    )
    date = models.DateField(_("date"), null=True, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    sender = models.TextField(_("sender"), blank=True)
    addressee = models.TextField(_("addressee"), blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    salutation = models.CharField(_("salutation"), max_length=200, blank=True)
    body = RichTextField(_("body"), blank=True)
    # Optimistic locking (napportal.locking): every save raises it by one.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("cover letter")
        verbose_name_plural = _("cover letters")

    def __str__(self) -> str:
        return f"{self.round}: {self.subject}"


class LetterSignature(models.Model):
    letter = models.ForeignKey(
        CoverLetter, on_delete=models.CASCADE, related_name="signatures", verbose_name=_("letter")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(
        _("title"), max_length=200, help_text=_("e.g. The Minister of Foreign Affairs")
    )
    name = models.CharField(_("name"), max_length=200)
    # Optimistic locking (napportal.locking): every save raises it by one.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["letter", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.name}, {self.title}"


class EntryTransition(models.Model):
    """A workflow step of an entry: kept for good, never edited."""

    entry = models.ForeignKey(
        ProgressEntry, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("entry")
    )
    from_status = models.CharField(
        _("from"), max_length=20, choices=ProgressEntry.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=ProgressEntry.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)
    # The entry's history record at this step, so submitted and approved versions can be diffed.
    history_id = models.PositiveBigIntegerField(_("history record"), null=True, blank=True)

    class Meta:
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")
        ordering = ["entry", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.from_status or '-'} → {self.to_status}"


class EntryComment(models.Model):
    """The conversation about an entry between its organisation and the coordinator."""

    entry = models.ForeignKey(
        ProgressEntry, on_delete=models.CASCADE, related_name="comments", verbose_name=_("entry")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["entry", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:60]}"


class LockException(models.Model):
    """A coordinator lets an organisation edit an entry that is locked (approved, round closed)."""

    entry = models.ForeignKey(
        ProgressEntry,
        on_delete=models.CASCADE,
        related_name="lock_exceptions",
        verbose_name=_("entry"),
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("granted by"),
    )
    reason = models.TextField(_("reason"))
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("lock exception")
        verbose_name_plural = _("lock exceptions")
        ordering = ["entry", "-granted_at"]

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.reason[:60]}"

    def is_active(self, now) -> bool:
        return self.revoked_at is None and self.expires_at > now


class PlanNarrative(models.Model):
    """Text of the final report over the plan period: a closing narrative per goal, or a
    thematic section printed before the goals (e.g. a term on the UN Security Council)."""

    class Kind(models.TextChoices):
        CLOSING = "closing", _("Closing narrative of a goal")
        SECTION = "section", _("Thematic section")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        PUBLISHED = "published", _("Published")

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="narratives", verbose_name=_("plan")
    )
    goal = models.ForeignKey(
        "indicators.Goal",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="narratives",
        verbose_name=_("strategic goal"),
        help_text=_("The goal a closing narrative belongs to; empty for a thematic section."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=300, blank=True)
    body = RichTextField(_("text"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # Optimistic locking (napportal.locking): every save raises it by one.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("final report text")
        verbose_name_plural = _("final report texts")
        ordering = ["plan", "kind", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="closing", goal__isnull=False) | Q(kind="section", goal=None)),
                name="plannarrative_goal_for_closing_only",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.plan.short_name}: {self.get_kind_display()}"

    def clean(self):
        if self.kind == self.Kind.CLOSING and not self.goal_id:
            raise ValidationError({"goal": _("A closing narrative belongs to a goal.")})
        if self.kind == self.Kind.SECTION and self.goal_id:
            raise ValidationError({"goal": _("A thematic section does not belong to a goal.")})
        if self.goal_id and self.plan_id and self.goal.plan_id != self.plan_id:
            raise ValidationError({"goal": _("The goal belongs to another plan.")})
        if self.kind == self.Kind.SECTION and not (self.title or "").strip():
            raise ValidationError({"title": _("A thematic section needs a title.")})
