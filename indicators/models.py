"""The plan framework: action plans, their goals, subgoals and indicators, and who reports on what.

The model holds any country's plan: subgoals are optional, indicators hang from a goal or a
subgoal, and an organisation may report on a goal without naming an indicator.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from napportal.richtext import RichTextField

from .numerals import to_roman


class Pillar(models.TextChoices):
    """One shared vocabulary, so that plans of different countries can be compared."""

    PARTICIPATION = "participation", _("Participation")
    PREVENTION = "prevention", _("Prevention")
    PROTECTION = "protection", _("Protection")
    RELIEF_RECOVERY = "relief_recovery", _("Relief and recovery")
    MAINSTREAMING = "mainstreaming", _("Mainstreaming")


class Organisation(models.Model):
    class Kind(models.TextChoices):
        MINISTRY = "ministry", _("Ministry")
        AGENCY = "agency", _("Government agency")
        CIVIL_SOCIETY = "civil_society", _("Civil-society organisation")
        OTHER = "other", _("Other")

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    abbreviation = models.CharField(_("abbreviation"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    country = CountryField(_("country"), blank=True)
    website = models.URLField(_("website"), blank=True)

    # Optimistic locking (napportal.locking): every save through the admin or a load raises it.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.abbreviation or self.name

    @property
    def is_government(self) -> bool:
        return self.kind in (self.Kind.MINISTRY, self.Kind.AGENCY)


class PlanQuerySet(models.QuerySet):
    def public(self):
        return self.exclude(status=Plan.Status.DRAFT)


class Plan(models.Model):
    """A national (or regional) action plan on Women, Peace and Security."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        ARCHIVED = "archived", _("Archived")

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    country = CountryField(
        _("country or region"),
        max_length=6,
        help_text=_("ISO 3166 country code, or a regional body such as EU or NATO."),
    )
    edition = models.PositiveSmallIntegerField(
        _("edition"), validators=[MinValueValidator(1)], help_text=_("4 for the fourth plan.")
    )
    short_name = models.CharField(_("short name"), max_length=40, help_text=_("e.g. NAP1325-IV"))
    title = models.CharField(_("title"), max_length=300)
    description = RichTextField(_("description"), blank=True)
    first_year = models.PositiveSmallIntegerField(
        _("first year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    last_year = models.PositiveSmallIntegerField(
        _("last year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    language = models.CharField(
        _("language"),
        max_length=5,
        choices=settings.LANGUAGES,
        help_text=_("The plan's own language; texts missing in another language fall back to it."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    organisations = models.ManyToManyField(
        Organisation,
        through="PlanOrganisation",
        related_name="plans",
        verbose_name=_("organisations"),
    )

    # Optimistic locking (napportal.locking): every save through the admin or a load raises it.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["country", "-first_year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_year__gte=models.F("first_year")),
                name="plan_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.short_name} ({self.first_year}-{self.last_year})"

    @property
    def edition_display(self) -> str:
        return to_roman(self.edition)

    @property
    def years(self) -> range:
        return range(self.first_year, self.last_year + 1)

    def clean(self):
        if self.first_year and self.last_year and self.last_year < self.first_year:
            raise ValidationError(
                {"last_year": _("The last year cannot come before the first year.")}
            )


class PlanOrganisation(models.Model):
    """An organisation's part in a plan: coordinating it, or co-signing it."""

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Coordinator")
        CO_COORDINATOR = "co_coordinator", _("Co-coordinator")
        SIGNATORY = "signatory", _("Signatory")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="participations")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="participations"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.SIGNATORY)

    # Optimistic locking (napportal.locking): every save through the admin or a load raises it.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("plan organisation")
        verbose_name_plural = _("plan organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "organisation"], name="planorganisation_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} – {self.get_role_display()}"

    @property
    def is_coordinating(self) -> bool:
        return self.role in (self.Role.COORDINATOR, self.Role.CO_COORDINATOR)


class Goal(models.Model):
    """A strategic goal (objective) of a plan."""

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="goals", verbose_name=_("plan")
    )
    number = models.PositiveSmallIntegerField(_("number"), validators=[MinValueValidator(1)])
    title = models.TextField(_("title"))
    description = RichTextField(_("description"), blank=True)
    pillar = models.CharField(_("pillar"), max_length=20, choices=Pillar.choices, blank=True)

    # Optimistic locking (napportal.locking): every save through the admin or a load raises it.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("strategic goal")
        verbose_name_plural = _("strategic goals")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="goal_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Subgoal(models.Model):
    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, related_name="subgoals", verbose_name=_("goal")
    )
    number = models.CharField(_("number"), max_length=20, help_text=_('e.g. "1.1"'))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.TextField(_("title"))

    # Optimistic locking (napportal.locking): every save through the admin or a load raises it.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("subgoal")
        verbose_name_plural = _("subgoals")
        ordering = ["goal", "position", "number"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "number"], name="subgoal_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Indicator(models.Model):
    """What is measured for a goal or subgoal; belongs to the plan, reported on by many."""

    class Kind(models.TextChoices):
        COUNT = "count", _("Count")
        PERCENTAGE = "percentage", _("Percentage")
        AMOUNT = "amount", _("Amount of money")
        QUALITATIVE = "qualitative", _("Qualitative (examples or stories)")

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("plan")
    )
    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("goal")
    )
    subgoal = models.ForeignKey(
        Subgoal,
        on_delete=models.CASCADE,
        related_name="indicators",
        null=True,
        blank=True,
        verbose_name=_("subgoal"),
    )
    code = models.CharField(_("code"), max_length=30)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.TextField(_("text"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    unit = models.CharField(_("unit"), max_length=100, blank=True)
    currency = models.CharField(
        _("currency"), max_length=3, blank=True, help_text=_("ISO 4217 code, for amounts.")
    )
    baseline = models.DecimalField(
        _("baseline"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), null=True, blank=True)
    target = models.DecimalField(
        _("target"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    target_year = models.PositiveSmallIntegerField(_("target year"), null=True, blank=True)

    # Optimistic locking (napportal.locking): every save through the admin or a load raises it.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["plan", "goal__number", "subgoal__position", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="indicator_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:80]}"

    @property
    def is_quantitative(self) -> bool:
        return self.kind != self.Kind.QUALITATIVE

    def clean_fields(self, exclude=None):
        # Goal and plan follow from the level above, so admin inlines and imports need to name
        # only the subgoal (or the goal).
        if self.subgoal_id and not self.goal_id:
            self.goal_id = self.subgoal.goal_id
        if self.goal_id and not self.plan_id:
            self.plan_id = self.goal.plan_id
        super().clean_fields(exclude=exclude)

    def clean(self):
        errors = {}
        if self.goal_id and self.plan_id and self.goal.plan_id != self.plan_id:
            errors["goal"] = _("The goal belongs to another plan.")
        if self.subgoal_id and self.goal_id and self.subgoal.goal_id != self.goal_id:
            errors["subgoal"] = _("The subgoal belongs to another goal.")
        if (
            self.plan_id
            and self.code
            and Indicator.objects.filter(plan_id=self.plan_id, code=self.code)
            .exclude(pk=self.pk)
            .exists()
        ):
            errors["code"] = _("Another indicator of this plan has code %(code)s.") % {
                "code": self.code
            }
        if self.kind == self.Kind.AMOUNT and not self.currency:
            errors["currency"] = _("An amount needs a currency.")
        if self.kind != self.Kind.AMOUNT and self.currency:
            errors["currency"] = _("Only amounts have a currency.")
        for field in ("baseline", "target"):
            value = getattr(self, field)
            if value is None:
                continue
            if self.kind == self.Kind.QUALITATIVE:
                errors[field] = _("A qualitative indicator has no numeric %(field)s.") % {
                    "field": field
                }
            elif value < 0:
                errors[field] = _("Cannot be negative.")
            elif self.kind == self.Kind.PERCENTAGE and value > 100:
                errors[field] = _("A percentage lies between 0 and 100.")
        if errors:
            raise ValidationError(errors)


class DisaggregationCategory(models.Model):
    """A category an indicator is reported by, e.g. "local peace talks"."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="categories", verbose_name=_("indicator")
    )
    code = models.SlugField(_("code"), max_length=40)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    label = models.CharField(_("label"), max_length=300)

    # Optimistic locking (napportal.locking): every save through the admin or a load raises it.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("disaggregation category")
        verbose_name_plural = _("disaggregation categories")
        ordering = ["indicator", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "code"], name="category_unique_code"),
        ]

    def __str__(self) -> str:
        return self.label


class PlanScope(models.Model):
    """Points at a goal, optionally narrowed to a subgoal and/or an indicator.

    Shared by responsibilities and progress entries: a ministry may report on a goal as a whole,
    on a subgoal, or on one indicator.
    """

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, verbose_name=_("goal"))
    subgoal = models.ForeignKey(
        Subgoal, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("subgoal")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("indicator")
    )

    class Meta:
        abstract = True

    @classmethod
    def scope_constraints(cls, owner_fields: list[str], prefix: str) -> list:
        """One uniqueness rule per scope level (NULLs never collide in a plain unique index)."""
        return [
            models.UniqueConstraint(
                fields=[*owner_fields, "indicator"],
                condition=Q(indicator__isnull=False),
                name=f"{prefix}_unique_indicator",
            ),
            models.UniqueConstraint(
                fields=[*owner_fields, "subgoal"],
                condition=Q(indicator__isnull=True, subgoal__isnull=False),
                name=f"{prefix}_unique_subgoal",
            ),
            models.UniqueConstraint(
                fields=[*owner_fields, "goal"],
                condition=Q(indicator__isnull=True, subgoal__isnull=True),
                name=f"{prefix}_unique_goal",
            ),
        ]

    def clean_scope(self) -> dict:
        errors = {}
        if self.subgoal_id and self.goal_id and self.subgoal.goal_id != self.goal_id:
            errors["subgoal"] = _("The subgoal belongs to another goal.")
        if self.indicator_id:
            if self.goal_id and self.indicator.goal_id != self.goal_id:
                errors["indicator"] = _("The indicator belongs to another goal.")
            elif self.indicator.subgoal_id != self.subgoal_id:
                errors["indicator"] = _("The indicator belongs to another subgoal.")
        return errors

    @property
    def scope_label(self) -> str:
        parts = [str(self.goal.number)]
        if self.subgoal_id:
            parts.append(self.subgoal.number)
        if self.indicator_id:
            parts.append(self.indicator.code)
        return " / ".join(parts)


class Responsibility(PlanScope):
    """An organisation reports on this goal, subgoal or indicator."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="responsibilities",
        verbose_name=_("organisation"),
    )

    # Optimistic locking (napportal.locking): every save through the admin or a load raises it.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        constraints = PlanScope.scope_constraints(["organisation"], "responsibility")

    def __str__(self) -> str:
        return f"{self.organisation}: {self.scope_label}"

    def clean(self):
        errors = self.clean_scope()
        if errors:
            raise ValidationError(errors)
