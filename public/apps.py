from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _

# The plan framework the public pages show; publishing itself changes the publication stamp.
FRAMEWORK_MODELS = [
    "indicators.Plan",
    "indicators.PlanOrganisation",
    "indicators.Organisation",
    "indicators.Goal",
    "indicators.Subgoal",
    "indicators.Indicator",
    "indicators.DisaggregationCategory",
    "indicators.Responsibility",
]


class PublicConfig(AppConfig):
    name = "public"
    verbose_name = _("Public portal")

    def ready(self):
        from django.apps import apps

        from .caching import bump_generation

        for label in FRAMEWORK_MODELS:
            model = apps.get_model(label)
            post_save.connect(bump_generation, sender=model, dispatch_uid=f"public-{label}-save")
            post_delete.connect(
                bump_generation, sender=model, dispatch_uid=f"public-{label}-delete"
            )
