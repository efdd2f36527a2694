from __future__ import annotations

from typing import Any

from django.urls import reverse

from gallery.models import GalleryEntry

RECENT = 48


def gallery_recent(*, limit: int = RECENT) -> list[dict[str, Any]]:
    """The newest approved artworks whose customers still agree, as the page and its JSON show them."""
    entries = GalleryEntry.objects.visible().select_related("order__style")[:limit]
    return [
        {
            "id": entry.pk,
            "style": entry.order.style.name,
            "after_url": reverse("gallery:image", kwargs={"entry_id": entry.pk, "side": "after"}),
            "after_width": entry.after_width,
            "after_height": entry.after_height,
            "approved_at": entry.approved_at.isoformat(),
        }
        for entry in entries
    ]
