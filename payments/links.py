"""The HD download link: the order's token signed with a timestamp, so it can expire.

The link is the only way to the HD file. It carries no state and opening it changes nothing, so a
mail scanner that follows it does no harm; staff re-send a fresh one when it has run out.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation

from orders.models import Order

_SALT = "picmatix.payments.hd-download"


class LinkExpired(Exception):
    pass


class LinkInvalid(Exception):
    pass


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=_SALT)


def hd_link_signature(token: str) -> str:
    """The `timestamp:signature` part of `token:timestamp:signature`; the token is already in the URL."""
    return _signer().sign(token)[len(token) + 1 :]


def hd_link_check(*, token: str, signature: str) -> None:
    try:
        _signer().unsign(f"{token}:{signature}", max_age=timedelta(days=settings.HD_LINK_MAX_AGE_DAYS))
    except signing.SignatureExpired:
        raise LinkExpired from None
    except signing.BadSignature:
        raise LinkInvalid from None


def hd_link_url(order: Order) -> str:
    """Absolute link for the email, in the order's language."""
    with translation.override(order.language):
        path = reverse("payments:download", kwargs={"token": order.token, "signature": hd_link_signature(order.token)})
    return f"{settings.SITE_URL}{path}"
