"""An order's creation, and what it records about its own emails."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import mail_admins
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders import enqueue
from orders.emails import order_email_deliver, preview_email, render_failed_email
from orders.events import order_event
from orders.images import CleanPhoto
from orders.mailbox import mailbox_of
from orders.models import Order, OrderEvent, RenderJob
from orders.outbox import order_email_claim, order_email_release, outbox_send, previews_owed
from orders.selectors import order_email_retry_at
from styles.models import Style
from styles.recipes import recipe_with_photo_colours, recipe_with_strength

logger = logging.getLogger(__name__)


def order_recipe(order: Order) -> dict[str, Any]:
    """What the order is painted with: its style's current recipe, at the strength the customer chose,
    keeping the photo's colours if asked."""
    recipe = order.style.recipe
    if order.strength != Order.Strength.AS_SHOWN:
        recipe = recipe_with_strength(recipe, order.strength)
    return recipe_with_photo_colours(recipe) if order.keep_colours else recipe


class OrdersPerDayReached(Exception):
    """The address's mailbox has placed its orders for the day; it may order again at `retry_at`."""

    def __init__(self, retry_at: datetime) -> None:
        super().__init__(f"the daily limit of orders is reached until {retry_at.isoformat()}")
        self.retry_at = retry_at


def _mailbox_lock(mailbox: str) -> None:
    """Hold the mailbox until the transaction ends, so that two orders from it are counted one after
    the other. SQLite needs none: its transactions here begin IMMEDIATE, one writer at a time."""
    if connection.vendor != "postgresql":
        return
    key = int.from_bytes(hashlib.blake2b(mailbox.encode(), digest_size=8).digest(), "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


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
    strength: str = Order.Strength.AS_SHOWN,
    per_day: int = 0,
    source: Order | None = None,
) -> Order:
    """Store the cleaned photo, write the order and its render job, and queue the render.

    With `per_day`, raises OrdersPerDayReached when the address's mailbox already placed that many
    orders in the last 24 hours, counted under a lock so that parallel requests cannot all pass.
    With `source`, the photo is a copy of that order's (order_another_style_create).
    """
    if keep_colours and not style.allow_original_colours:
        raise ValidationError(_("This style does not offer keeping your photo's colours."), code="colours_not_offered")
    if strength != Order.Strength.AS_SHOWN and not style.offers_strength:
        raise ValidationError(_("This style does not offer another strength."), code="strength_not_offered")
    # The upload is written before the transaction (slow I/O stays out of it) and removed again if
    # the transaction fails, so a failed order never leaves an orphan photo behind.
    name = default_storage.save(f"uploads/{secrets.token_hex(16)}.{photo.extension}", ContentFile(photo.data))
    try:
        with transaction.atomic():
            if per_day > 0:
                _mailbox_lock(mailbox_of(email))
                retry_at = order_email_retry_at(email=email, per_day=per_day)
                if retry_at is not None:
                    raise OrdersPerDayReached(retry_at)
            if source is not None:
                _photo_still_stored(source)
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
                strength=strength,
                source_id=(source.source_id or source.pk) if source is not None else None,
            )
            job = RenderJob.objects.create(order=order, recipe=order_recipe(order))
            made_from = {"source": source.pk} if source is not None else {}
            order_event(
                order=order,
                job=job,
                kind=OrderEvent.Kind.ORDER_CREATED,
                actor="customer",
                style=style.slug,
                strength=strength,
                **made_from,
            )
            if source is not None:
                order_event(
                    order=source,
                    kind=OrderEvent.Kind.OTHER_STYLE_ORDERED,
                    actor="customer",
                    new_order=order.pk,
                    style=style.slug,
                    strength=strength,
                )
            transaction.on_commit(partial(enqueue.render_job_enqueue, job.pk))
    except BaseException:
        default_storage.delete(name)
        raise
    logger.info("order %s created, job %s queued", order.pk, job.pk, extra={"order_id": order.pk, "job_id": job.pk})
    return order


def order_another_style_offered(order: Order) -> bool:
    """Whether the order's page offers another style: while the order still holds its photo."""
    return order.data_deleted_at is None and bool(order.content_image)


def _photo_still_stored(source: Order) -> None:
    """Inside the new order's transaction: the photo's first order is locked, as the customer's data
    deletion locks it first (orders/deletion.py), so a deletion either sees the new order and deletes
    it too, or has committed and the new order is refused."""
    root = source.source_id or source.pk
    Order.objects.select_for_update().filter(pk=root).first()
    if not Order.objects.filter(pk=source.pk, data_deleted_at__isnull=True).exclude(content_image="").exists():
        raise ValidationError(_("Your photo is no longer stored, so it cannot be painted again."), code="photo_gone")


def order_another_style_create(
    *, source_id: int, style: Style, strength: str, language: str, per_day: int = 0
) -> Order:
    """Another style for the photo an order holds: a new order of its own (preview, price, HD link,
    token) with a copy of the photo, linked to the photo's first order.

    A copy rather than a shared file: each order keeps owning its photo, so retention, deletion and
    reconcile stay per order and never leave one order pointing at a file another deleted. The email,
    country and currency are the asking order's: the same customer, at the price they were shown.
    Raises ValidationError when the photo is gone and OrdersPerDayReached as order_create does.
    """
    source = Order.objects.get(pk=source_id)
    gone = ValidationError(_("Your photo is no longer stored, so it cannot be painted again."), code="photo_gone")
    if not order_another_style_offered(source):
        raise gone
    try:
        with default_storage.open(source.content_image.name, "rb") as stored:
            data = stored.read()
    except FileNotFoundError:
        raise gone from None
    # Cleaned when it was uploaded (orders/images.py): stored as JPEG, metadata already dropped.
    photo = CleanPhoto(data=data, width=source.content_width, height=source.content_height)
    return order_create(
        email=source.email,
        style=style,
        photo=photo,
        language=language,
        country=source.country,
        currency=source.currency,
        strength=strength,
        per_day=per_day,
        source=source,
    )


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


def order_preview_email_deliver(*, order_id: int, resend: bool = False) -> bool:
    """Send the preview email once (again when staff resend it) and record it; False if nothing went out.

    The first send is claimed on the order row (orders/outbox.py), so that the task, its retry and the
    outbox never send it twice; a failure releases the claim for the next try and is raised."""
    order = Order.objects.select_related("style").filter(pk=order_id).first()
    if order is None or not order.email or (order.preview_email_sent_at is not None and not resend):
        return False  # gone, anonymised at the customer's request, or already sent
    claim = None if resend else order_email_claim(order_id=order_id, email="preview")
    if not resend and claim is None:
        return False  # another sender holds it
    try:
        delivered = order_email_deliver(order, email="preview", rendered=preview_email(order))
        if delivered:
            order_mark_preview_email_sent(order_id=order_id, resend=resend)
    finally:
        # After the mark: once it is recorded as sent, nobody may claim it again.
        if claim is not None:
            order_email_release(order_id=order_id, email="preview", claim=claim)
    if not delivered:
        return False
    logger.info("order %s: preview email sent", order_id, extra={"order_id": order_id})
    return True


def preview_emails_outbox_send() -> dict[str, int]:
    """Send the preview emails that the normal path lost (orders/outbox.py)."""
    return outbox_send(
        previews_owed(),
        email="preview",
        since_field="preview_done_at",
        deliver=lambda order_id: order_preview_email_deliver(order_id=order_id),
    )


def order_failure_notices_send(*, order_id: int, first_try: bool) -> None:
    """Tell staff, and tell the customer honestly, that an order could not be painted."""
    order = Order.objects.select_related("style").filter(pk=order_id).first()
    if order is None or not order.email or order.events.filter(kind=OrderEvent.Kind.FAILURE_EMAIL_SENT).exists():
        return
    job = order.current_job
    if first_try:  # staff hear once, not once per try of the customer's email
        mail_admins(
            f"Render failed: order {order.pk}",
            f"Order {order.pk} ({order.email}, style {order.style.slug}) failed after "
            f"{job.attempts if job else 0} attempts.\nLast error: {job.error if job else '-'}\n",
            fail_silently=True,
        )
    if order_email_deliver(order, email="render_failed", rendered=render_failed_email(order)):
        order_event(order=order, kind=OrderEvent.Kind.FAILURE_EMAIL_SENT, actor="system")
