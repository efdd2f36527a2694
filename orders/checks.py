from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Info, register
from django.utils.translation import gettext as _

from core.checks import OPERATOR


@register(OPERATOR)
def recaptcha_configured(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.RECAPTCHA_MODE == "on":
        return []
    return [
        Info(
            _("Bot protection (reCAPTCHA) is off: anyone can send photos to this shop's upload form."),
            hint=_("Set PICMATIX_RECAPTCHA=on with RECAPTCHA_PUBLIC_KEY and RECAPTCHA_PRIVATE_KEY."),
            id="picmatix.I001",
        )
    ]
