"""The order's own emails (the preview, the render failure), built on core/mail.py, and sending any
email to an order's customer (payments sends the HD email through it too)."""

from __future__ import annotations

import io
import logging
from email.utils import make_msgid

from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import translation
from PIL import Image, UnidentifiedImageError

from core.mail import InlineImage, RenderedEmail, email_deliver, email_render
from orders.events import order_event
from orders.models import Order, OrderEvent

logger = logging.getLogger(__name__)

# A preview larger than this goes without its picture (the link still shows it): mail servers
# refuse big messages, and the preview is a JPEG of at most 1024 px, usually far smaller.
INLINE_IMAGE_MAX_BYTES = 3 * 1024 * 1024
# The email's column is 560 px wide with 16 px of padding.
EMAIL_IMAGE_WIDTH = 528


def order_absolute_url(order: Order) -> str:
    with translation.override(order.language):
        path = reverse("orders:detail", kwargs={"token": order.token})
    return f"{settings.SITE_URL}{path}"


def _preview_image(order: Order) -> InlineImage | None:
    """The watermarked preview (a JPEG) to show in the email, or None if it cannot be read."""
    job = order.current_job
    if job is None or not job.preview:
        return None
    try:
        with default_storage.open(job.preview.name, "rb") as handle:
            content = handle.read(INLINE_IMAGE_MAX_BYTES + 1)
    except OSError as error:
        logger.warning("order %s: preview not attached to the email: %s", order.pk, error)
        return None
    if len(content) > INLINE_IMAGE_MAX_BYTES:
        return None
    try:
        with Image.open(io.BytesIO(content)) as picture:
            width = picture.width
    except (OSError, UnidentifiedImageError):
        width = EMAIL_IMAGE_WIDTH
    # make_msgid gives "<unique@domain>"; the brackets belong to the header, not to the cid: URL.
    return InlineImage(
        content_id=make_msgid("preview", domain="picmatix")[1:-1],
        content=content,
        subtype="jpeg",
        filename="preview.jpg",
        width=min(width, EMAIL_IMAGE_WIDTH),
    )


def preview_email(order: Order) -> RenderedEmail:
    image = _preview_image(order)
    with translation.override(order.language):
        context = {
            "order": order,
            "style_name": order.style.name,
            "order_url": order_absolute_url(order),
            "preview_image": image,
        }
    rendered = email_render("preview-ready", language=order.language, context=context)
    return RenderedEmail(
        subject=rendered.subject, text=rendered.text, html=rendered.html, inline_images=(image,) if image else ()
    )


def render_failed_email(order: Order) -> RenderedEmail:
    with translation.override(order.language):
        context = {"order": order, "style_name": order.style.name, "order_url": order_absolute_url(order)}
    return email_render("render-failed", language=order.language, context=context)


def order_email_deliver(order: Order, *, email: str, rendered: RenderedEmail) -> bool:
    """Send ``rendered`` to the order's customer; True once the server took it.

    A refusal for good (the recipient or the message) is recorded on the order and logged, never
    retried; a failure a later try may cure is raised for the task to retry (core.mail.MAIL_TASK_RETRY).
    """
    code = email_deliver(rendered, to=order.email)
    if code is None:
        return True
    order_event(order=order, kind=OrderEvent.Kind.EMAIL_REFUSED, actor="system", email=email, code=code)
    logger.warning(
        "order %s: the mail server refused the %s email for good (SMTP %s); not retried",
        order.pk,
        email,
        code,
        extra={"order_id": order.pk},
    )
    return False
