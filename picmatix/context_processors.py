from django.conf import settings
from django.http import HttpRequest

from core.checks import operator_notices


def shop(request: HttpRequest) -> dict[str, object]:
    """Settings that pages show; `operator_notices` runs only where a template asks (the admin's home)."""
    return {
        "recaptcha_mode": settings.RECAPTCHA_MODE,
        "email_mode": settings.EMAIL_MODE,
        "retention_unpaid_days": settings.RETENTION_UNPAID_DAYS,
        "operator_notices": operator_notices,
    }
