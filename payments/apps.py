from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    """Prices, Stripe and delivery of the HD file."""

    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from payments import receivers  # noqa: F401  (connects the dj-stripe webhook receivers)
