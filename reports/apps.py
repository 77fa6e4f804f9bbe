from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        import logging

        # WeasyPrint reports every layout step at INFO; a 100-page report would flood the logs.
        # Its warnings and errors still come through.
        logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
