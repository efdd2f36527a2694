"""reCAPTCHA (PICMATIX_RECAPTCHA), on the upload form and on the direct-upload policy alike.

django-recaptcha's field, with two changes: Google is told the address core/clientip.py found
(the stock field believes any X-Forwarded-For), and an unreachable Google is a refusal the customer
can retry, not a server error (the stock field catches HTTP errors only, not DNS or socket ones).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django_recaptcha.fields import ReCaptchaField

logger = logging.getLogger(__name__)


class CaptchaField(ReCaptchaField):
    def __init__(self, *args: Any, remote_ip: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.remote_ip = remote_ip

    def get_remote_ip(self) -> str:
        return self.remote_ip

    def validate(self, value: Any) -> None:
        try:
            super().validate(value)
        except OSError as error:  # URLError, timeouts, refused connections
            logger.warning("reCAPTCHA verification unreachable: %s", error)
            raise ValidationError(self.error_messages["captcha_error"], code="captcha_error") from None


def captcha_passed(*, response: str, remote_ip: str) -> bool:
    """One reCAPTCHA answer checked with Google (each answer can be checked only once)."""
    try:
        CaptchaField(remote_ip=remote_ip).clean(response)
    except ValidationError:
        return False
    return True
