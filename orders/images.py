"""Checking and cleaning a customer's photo before anything is stored.

The photo is decoded once, oriented by its EXIF, converted to 8-bit RGB and re-encoded, which
drops every piece of metadata (GPS position, camera serial, embedded thumbnails) on the way.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

try:  # HEIC from iPhones; optional so the web tier still starts where libheif is unavailable.
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIF_FORMATS = {"HEIF"}
except ImportError:  # pragma: no cover - depends on the platform
    HEIF_FORMATS = set()

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", *HEIF_FORMATS}
MIN_SIDE = 64


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    width: int
    height: int
    extension: str = "jpg"


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greyscale: scale to 8 bits instead of letting Pillow clip everything to white.
        image = image.point(lambda v: v * (1 / 256)).convert("L")
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "RGB" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def photo_clean(upload: IO[bytes], *, size: int, max_bytes: int, max_pixels: int) -> CleanPhoto:
    """Validate an uploaded photo and return it re-encoded as a metadata-free JPEG."""
    if size > max_bytes:
        raise ValidationError(
            _("This file is %(size)s MB; the limit is %(limit)s MB."),
            code="too_large",
            params={"size": f"{size / 1e6:.1f}", "limit": f"{max_bytes / 1e6:.0f}"},
        )
    try:
        with warnings.catch_warnings():
            # Pillow warns between 1x and 2x MAX_IMAGE_PIXELS; we turn the warning into a refusal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            previous = Image.MAX_IMAGE_PIXELS
            Image.MAX_IMAGE_PIXELS = max_pixels
            try:
                opened = Image.open(upload)
                fmt = opened.format or ""
                if fmt not in ACCEPTED_FORMATS:
                    raise ValidationError(_("Please upload a JPEG, PNG, WebP or HEIC photo."), code="bad_format")
                if opened.width * opened.height > max_pixels:
                    raise Image.DecompressionBombError("too many pixels")
                opened.load()
            finally:
                Image.MAX_IMAGE_PIXELS = previous
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("This photo has too many pixels; the limit is %(limit)s megapixels."),
            code="too_many_pixels",
            params={"limit": f"{max_pixels / 1e6:.0f}"},
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            _("This file is not an image we can read. Please upload a JPEG, PNG, WebP or HEIC photo."),
            code="unreadable",
        ) from None
    image = ImageOps.exif_transpose(opened)
    if min(image.size) < MIN_SIDE:
        raise ValidationError(
            _("This photo is too small; each side must be at least %(min)s pixels."),
            code="too_small",
            params={"min": MIN_SIDE},
        )
    rgb = _to_rgb(image)
    buffer = io.BytesIO()
    # A fresh save without exif=/icc_profile= carries no metadata at all.
    rgb.save(buffer, "JPEG", quality=92, optimize=True)
    return CleanPhoto(data=buffer.getvalue(), width=rgb.width, height=rgb.height)
