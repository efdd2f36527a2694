from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    """Prices, Stripe and delivery of the HD file."""

    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        # Connects the dj-stripe webhook receivers, and registers the operator notice about Stripe.
        from payments import checks, receivers  # noqa: F401
