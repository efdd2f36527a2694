from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GalleryConfig(AppConfig):
    name = "gallery"
    verbose_name = _("Gallery")

    def ready(self) -> None:
        # Removes an order's artwork when the order's files are deleted (orders/signals.py).
        from gallery import receivers  # noqa: F401
