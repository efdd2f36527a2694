from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    """Prices, Stripe and delivery of the HD file (issue 5). Empty until payments are built."""

    name = "payments"
    verbose_name = _("Payments")
