from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    """The staff back office: the order admin with its actions, and the dashboard. The top layer: it
    may use every app, and no app uses it (docs/architecture.md)."""

    name = "backoffice"
    verbose_name = _("Back office")
