"""The public gallery: staff approve an order's artwork, the customer can take it back at any time.

Consent is the order's `gallery_consent`, and the customer agreed to "my painting; my photo never"
(orders/forms.py): the gallery publishes the painting only. Approval is a GalleryEntry with a small
thumbnail of the painting made at that moment. Withdrawing consent (or staff removing the entry, or
deleting the customer's data) deletes the entry and its file in the same step, and the image view
checks both before serving.
"""

from __future__ import annotations

import io
import logging
import secrets
from functools import partial
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from gallery.models import GalleryEntry
from orders.events import order_event
from orders.models import Order, OrderEvent, RenderJob
from orders.staff import OrderActionRefused

logger = logging.getLogger(__name__)
# The longest side of a gallery thumbnail: two of them side by side on a phone, sharp on 2x screens.
THUMBNAIL_SIDE = 400


def _thumbnail(field: FieldFile) -> tuple[bytes, int, int]:
    with field.open("rb") as handle, Image.open(io.BytesIO(handle.read())) as opened:
        opened.draft("RGB", (THUMBNAIL_SIDE * 2, THUMBNAIL_SIDE * 2))  # JPEG: decode at a fraction of the size
        image = opened.convert("RGB")
    image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=78, optimize=True, progressive=True)
    return buffer.getvalue(), image.width, image.height


def _painting(order: Order) -> FieldFile:
    job = order.current_job
    if job is None or job.status != RenderJob.Status.DONE or not (job.hd or job.preview):
        raise OrderActionRefused(_("there is no finished painting"))
    # The HD file has no watermark; a 400 px copy of it is no substitute for buying it.
    return job.hd if job.hd else job.preview


def gallery_approve(*, order_id: int, user: Any) -> GalleryEntry:
    """Put the order's painting in the gallery; repeatable (an approved order stays as it is)."""
    order = Order.objects.select_related("style").get(pk=order_id)
    existing = GalleryEntry.objects.filter(order_id=order_id).first()
    if existing is not None:
        return existing
    if not order.gallery_consent or order.data_deleted_at:
        raise OrderActionRefused(_("the customer did not agree to the gallery"))
    painting = _painting(order)
    # The thumbnail is made before the transaction (slow I/O stays out of it) and dropped again if
    # consent was withdrawn meanwhile.
    after, after_w, after_h = _thumbnail(painting)
    names = [default_storage.save(f"gallery/{secrets.token_hex(16)}-after.jpg", ContentFile(after))]
    entry = None
    with transaction.atomic():
        # Locks the order row: a withdrawal (an UPDATE of it) waits for us, or we see its result.
        still = Order.objects.select_for_update().filter(pk=order_id, gallery_consent=True, data_deleted_at=None)
        if still.first() is not None and not GalleryEntry.objects.filter(order_id=order_id).exists():
            entry = GalleryEntry.objects.create(
                order=order,
                after=names[0],
                after_width=after_w,
                after_height=after_h,
                approved_by=user if getattr(user, "pk", None) else None,
                approved_at=timezone.now(),
            )
            order_event(order=order, kind=OrderEvent.Kind.GALLERY_APPROVED, actor=f"staff:{user.get_username()}")
    if entry is None:
        for name in names:
            default_storage.delete(name)
        existing = GalleryEntry.objects.filter(order_id=order_id).first()
        if existing is None:
            raise OrderActionRefused(_("the customer withdrew their consent"))
        return existing
    logger.info("order %s approved for the gallery", order_id, extra={"order_id": order_id})
    return entry


def gallery_entry_forget(*, order_id: int) -> list[str]:
    """Delete the order's entry inside the caller's transaction; its files go once that commits."""
    entry = GalleryEntry.objects.filter(order_id=order_id).first()
    if entry is None:
        return []
    names = [entry.after.name] if entry.after.name else []
    entry.delete()
    for name in names:
        transaction.on_commit(partial(_delete_file, name, order_id))
    return names


def _delete_file(name: str, order_id: int) -> None:
    try:
        default_storage.delete(name)
    except Exception:
        # The entry is gone, so nothing serves the file any more; log it for staff to clean up.
        logger.exception("gallery: could not delete %s", name, extra={"order_id": order_id})


def gallery_remove(*, order_id: int, actor: str) -> bool:
    """Staff take an artwork out of the gallery (the customer's consent stays as it was)."""
    with transaction.atomic():
        names = gallery_entry_forget(order_id=order_id)
        if names:
            order_event(order=order_id, kind=OrderEvent.Kind.GALLERY_REMOVED, actor=actor)
    return bool(names)


def gallery_consent_withdraw(*, order_id: int, actor: str = "customer") -> bool:
    """The customer takes their consent back: the artwork leaves the gallery at once."""
    with transaction.atomic():
        changed = Order.objects.filter(pk=order_id, gallery_consent=True).update(
            gallery_consent=False, updated_at=timezone.now()
        )
        names = gallery_entry_forget(order_id=order_id)
        if changed:
            order_event(
                order=order_id, kind=OrderEvent.Kind.GALLERY_CONSENT_WITHDRAWN, actor=actor, was_shown=bool(names)
            )
    return bool(changed)
