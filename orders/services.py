"""An order's creation, and what it records about its own emails."""

from __future__ import annotations

import logging
import secrets
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders import enqueue
from orders.events import order_event
from orders.images import CleanPhoto
from orders.models import Order, OrderEvent, RenderJob
from styles.models import Style
from styles.recipes import recipe_with_photo_colours

logger = logging.getLogger(__name__)


def order_recipe(order: Order) -> dict[str, Any]:
    """What the order is painted with: its style's current recipe, keeping the photo's colours if asked."""
    recipe = order.style.recipe
    return recipe_with_photo_colours(recipe) if order.keep_colours else recipe


def order_create(
    *,
    email: str,
    style: Style,
    photo: CleanPhoto,
    language: str,
    country: str = "",
    currency: str = "",
    gallery_consent: bool = False,
    keep_colours: bool = False,
) -> Order:
    """Store the cleaned photo, write the order and its render job, and queue the render."""
    if keep_colours and not style.allow_original_colours:
        raise ValidationError(_("This style does not offer keeping your photo's colours."), code="colours_not_offered")
    # The upload is written before the transaction (slow I/O stays out of it) and removed again if
    # the transaction fails, so a failed order never leaves an orphan photo behind.
    name = default_storage.save(f"uploads/{secrets.token_hex(16)}.{photo.extension}", ContentFile(photo.data))
    try:
        with transaction.atomic():
            order = Order.objects.create(
                email=email,
                style=style,
                content_image=name,
                content_width=photo.width,
                content_height=photo.height,
                language=language,
                country=country,
                currency=currency,
                gallery_consent=gallery_consent,
                keep_colours=keep_colours,
            )
            job = RenderJob.objects.create(order=order, recipe=order_recipe(order))
            order_event(order=order, job=job, kind=OrderEvent.Kind.ORDER_CREATED, actor="customer", style=style.slug)
            transaction.on_commit(partial(enqueue.render_job_enqueue, job.pk))
    except BaseException:
        default_storage.delete(name)
        raise
    logger.info("order %s created, job %s queued", order.pk, job.pk, extra={"order_id": order.pk, "job_id": job.pk})
    return order


def order_mark_preview_email_sent(*, order_id: int, resend: bool = False) -> bool:
    """Record the preview email once (a resend by staff every time); False if it had already been recorded."""
    now = timezone.now()
    if resend:
        Order.objects.filter(pk=order_id).update(preview_email_sent_at=now, updated_at=now)
        order_event(order=order_id, kind=OrderEvent.Kind.PREVIEW_EMAIL_SENT, actor="system", resend=True)
        return True
    changed = Order.objects.filter(pk=order_id, preview_email_sent_at__isnull=True).update(
        preview_email_sent_at=now, updated_at=now
    )
    if changed:
        order_event(order=order_id, kind=OrderEvent.Kind.PREVIEW_EMAIL_SENT, actor="system")
    return changed == 1
