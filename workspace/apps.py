from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    """The data-entry workspace where organisations report their progress (/<lang>/report/)."""

    name = "workspace"
    verbose_name = _("Reporting workspace")
