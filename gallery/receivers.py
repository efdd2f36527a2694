"""The gallery's answers to what orders tell (orders/signals.py)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from gallery.models import GalleryEntry
from gallery.services import gallery_entry_forget
from orders.signals import order_files_forgetting, stored_files_claiming


@receiver(order_files_forgetting, dispatch_uid="gallery.entry_forget")
def _order_files_forgetting(*, order_id: int, **kwargs: Any) -> list[str]:
    # The artwork of an order whose files go, goes with them.
    return gallery_entry_forget(order_id=order_id)


@receiver(stored_files_claiming, dispatch_uid="gallery.thumbnails_claimed")
def _stored_files_claiming(**kwargs: Any) -> tuple[str, set[str]]:
    # The reconcile deletes a thumbnail that no entry references (its delete failed, or its entry went).
    return "gallery", set(GalleryEntry.objects.exclude(after="").values_list("after", flat=True))
