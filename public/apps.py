from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _

# The plan framework the public pages show, and what publishing saves (see public/caching.py).
FRAMEWORK_MODELS = [
    "indicators.Plan",
    "indicators.PlanOrganisation",
    "indicators.Organisation",
    "indicators.Goal",
    "indicators.Subgoal",
    "indicators.Indicator",
    "indicators.DisaggregationCategory",
    "indicators.Responsibility",
    "reporting.ReportingRound",
    "reports.PublishedReport",
]


class PublicConfig(AppConfig):
    name = "public"
    verbose_name = _("Public portal")

    def ready(self):
        from django.apps import apps

        from .caching import bump_generation, forget_published_entry

        for label in FRAMEWORK_MODELS:
            model = apps.get_model(label)
            post_save.connect(bump_generation, sender=model, dispatch_uid=f"public-{label}-save")
            post_delete.connect(
                bump_generation, sender=model, dispatch_uid=f"public-{label}-delete"
            )
        # A published entry changes the stamp: read it again at once in this process.
        for signal in (post_save, post_delete):
            signal.connect(
                forget_published_entry,
                sender="reporting.ProgressEntry",
                dispatch_uid=f"public-entry-{signal is post_save}",
            )
