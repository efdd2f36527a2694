from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RenderingConfig(AppConfig):
    """Celery glue around the engine. `painter` itself never imports Django."""

    name = "rendering"
    verbose_name = _("Rendering")
