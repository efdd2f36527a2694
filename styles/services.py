from __future__ import annotations

import io
import secrets
from functools import partial
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageOps

from styles.models import Style
from styles.recipes import recipe_validate

THUMBNAIL_SIZE = (480, 480)


def _jpeg(image: Image.Image, *, quality: int = 88) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def style_set_image(*, style: Style, image_bytes: bytes) -> Style:
    """Store a style's image and a thumbnail under fresh random names."""
    with Image.open(io.BytesIO(image_bytes)) as opened:
        image = ImageOps.exif_transpose(opened).convert("RGB")
    thumb = image.copy()
    thumb.thumbnail(THUMBNAIL_SIZE, Image.Resampling.LANCZOS)
    key = secrets.token_hex(8)
    old = [f.name for f in (style.image, style.thumbnail) if f]
    style.image.save(f"{style.slug}-{key}.jpg", ContentFile(_jpeg(image, quality=92)), save=False)
    style.thumbnail.save(f"{style.slug}-{key}.jpg", ContentFile(_jpeg(thumb)), save=False)
    style.save(update_fields=["image", "thumbnail", "updated_at"])
    storage = style.image.storage
    for name in old:
        transaction.on_commit(partial(storage.delete, name))
    return style


def style_create(
    *,
    slug: str,
    name_en: str,
    name_es: str,
    image_bytes: bytes,
    recipe: dict[str, Any],
    description_en: str = "",
    description_es: str = "",
    active: bool = True,
    position: int = 0,
) -> Style:
    style = Style.objects.create(
        slug=slug,
        name_en=name_en,
        name_es=name_es,
        description_en=description_en,
        description_es=description_es,
        recipe=recipe_validate(recipe),
        active=active,
        position=position,
    )
    return style_set_image(style=style, image_bytes=image_bytes)
