"""What the customer agrees to is exactly what the gallery publishes: their painting, never their photo."""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

import numpy as np
import pytest
from django.core.files.storage import default_storage
from PIL import Image

from gallery.services import gallery_approve

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client

    from orders.models import Order


pytestmark = pytest.mark.django_db


def mean_colour(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), np.float32).reshape(-1, 3).mean(axis=0)


def consent_label(client: Client, language: str) -> str:
    page = client.get(f"/{language}/").content.decode()
    return re.search(r'<label for="id_gallery_consent">([^<]+)</label>', page).group(1)


def test_the_gallery_publishes_the_painting_and_never_the_photo_as_the_consent_says(
    client: Client, painted_order: Order, admin_user: User
) -> None:
    entry = gallery_approve(order_id=painted_order.pk, user=admin_user)
    with default_storage.open(painted_order.content_image.name) as photo:
        photo_colour = mean_colour(photo.read())
    with default_storage.open(painted_order.current_job.hd.name) as painting:
        painting_colour = mean_colour(painting.read())

    page = client.get("/en/gallery/").content.decode()
    urls = set(re.findall(r'<img src="([^"]+)"', page))
    for item in client.get("/en/gallery/entries.json").json()["entries"]:
        urls |= {value for key, value in item.items() if key.endswith("_url")}
    assert urls, "the approved entry is on the page"
    published = set()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200
        colour = mean_colour(response.getvalue())
        published.add("painting" if np.abs(colour - painting_colour).max() < 12 else "something else")
        assert np.abs(colour - photo_colour).max() > 30, f"{url} shows the customer's photo"
    assert published == {"painting"}
    # Nothing else of the photo is stored for the gallery either, nor served under another name.
    assert [name for name in (entry.after.name,) if name]
    assert not hasattr(entry, "before")
    assert client.get(f"/en/gallery/{entry.pk}/before.jpg").status_code == 404

    # The consent claims the same, in both languages.
    english, spanish = consent_label(client, "en"), consent_label(client, "es")
    assert "my painting" in english.lower()
    assert "my photo never" in english.lower()
    assert "mi cuadro" in spanish.lower()
    assert "mi foto nunca" in spanish.lower()
