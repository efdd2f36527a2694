from django.conf import settings
from django.http import HttpRequest


def shop(request: HttpRequest) -> dict[str, object]:
    """Tell templates which integrations are off, so pages can say so plainly."""
    return {
        "recaptcha_mode": settings.RECAPTCHA_MODE,
        "email_mode": settings.EMAIL_MODE,
        "retention_unpaid_days": settings.RETENTION_UNPAID_DAYS,
    }
