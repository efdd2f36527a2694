from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Info, register
from django.utils.translation import gettext as _

from core.checks import OPERATOR
from payments.providers import payment_provider


@register(OPERATOR)
def payments_configured(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    provider = payment_provider()
    if provider is not None and provider.describe().moves_money:
        return []
    if provider is not None:
        return [
            Info(
                _("Payments are in demonstration mode: customers pay with test cards and no money moves."),
                hint=_("Set STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET."),
                id="picmatix.I003",
            )
        ]
    return [
        Info(
            _("Payments are off: customers can see their preview but cannot buy the full-resolution painting."),
            hint=_("Set STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET."),
            id="picmatix.I002",
        )
    ]
