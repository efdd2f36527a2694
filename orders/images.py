"""Checking and cleaning a customer's photo before anything is stored.

The photo is decoded once, oriented by its EXIF, converted to 8-bit RGB, scaled down to the size the
renders need and re-encoded, which drops every piece of metadata (GPS position, camera serial,
embedded thumbnails) on the way.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

try:  # HEIC from iPhones; optional so the web tier still starts where libheif is unavailable.
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIF_FORMATS = {"HEIF"}
except ImportError:  # pragma: no cover - depends on the platform
    HEIF_FORMATS = set()

# MPO: a JPEG followed by more pictures (depth map, burst, second eye), as phones write them.
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", *HEIF_FORMATS}
MIN_SIDE = 64
# Bicubic (antialiased when shrinking) for the final step: faster than Lanczos and as sharp at this
# size, which the engine scales again (Lanczos) to each pass's size. reducing_gap: a photo over 3x
# the target (formats without a reduced-scale decode: PNG, WebP, HEIC) is first shrunk by whole
# blocks of pixels, then bicubic does at least the last 1.5x: a fraction of the time, with no
# difference a customer could see (bench/README.md, "Uploads").
_SCALING = Image.Resampling.BICUBIC
_REDUCING_GAP = 1.5


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
    if image.mode == "RGB":
        return image  # a phone's JPEG: no copy of its pixels
    return image.convert("RGB")


def _jpeg_frame(head: bytes) -> tuple[int, int] | None:
    """The frame marker (SOF0 to SOF15) and sample precision of a JPEG, if `head` reaches them."""
    position = 2
    while position + 4 < len(head):
        if head[position] != 0xFF:
            return None
        marker = head[position + 1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # not DHT, JPG, DAC
            return marker, head[position + 4]
        if marker == 0xDA:  # a scan before any frame header
            return None
        position += 2 + int.from_bytes(head[position + 2 : position + 4], "big")
    return None


# What a refused file is, in words a customer knows from their own computer.
_FORMAT_NAMES = {
    "GIF": _("a GIF image"),
    "TIFF": _("a TIFF image"),
    "BMP": _("a BMP image"),
    "DIB": _("a BMP image"),
    "ICO": _("an icon file"),
    "PSD": _("a Photoshop file"),
    "PDF": _("a PDF document"),
    "SVG": _("an SVG drawing"),
}
# Lossless (SOF3, 7, 11, 15) and 12-bit JPEGs are valid files that libjpeg in Pillow cannot decode.
_LOSSLESS_JPEG = {0xC3, 0xC7, 0xCB, 0xCF}


def _wrong_format(fmt: str, *, animated: bool = False) -> ValidationError:
    if fmt == "GIF" and animated:
        kind = _("an animated GIF")
    elif fmt in _FORMAT_NAMES:
        kind = _FORMAT_NAMES[fmt]
    else:
        return ValidationError(
            _("This file is an image in %(format)s format. We take photos in JPEG, PNG, WebP or HEIC format."),
            code="bad_format",
            params={"format": fmt},
        )
    return ValidationError(
        _("This file is %(kind)s. We take photos in JPEG, PNG, WebP or HEIC format."),
        code="bad_format",
        params={"kind": kind},
    )


def _undecodable(head: bytes) -> ValidationError:
    """A photo in a format we take that cannot be decoded: a special JPEG, or a broken file."""
    if head.startswith(b"\xff\xd8\xff"):
        frame = _jpeg_frame(head)
        if frame is not None and (frame[1] != 8 or frame[0] in _LOSSLESS_JPEG):
            return ValidationError(
                _(
                    "This JPEG is saved in a special form (12-bit or lossless) that we cannot read. "
                    "Please save it as a standard JPEG, or choose another photo."
                ),
                code="special_jpeg",
            )
    return ValidationError(
        _(
            "This photo seems damaged or incomplete, so we cannot read it. "
            "Please try sending it again, or choose another photo."
        ),
        code="damaged",
    )


def _too_small() -> ValidationError:
    return ValidationError(
        _("This photo is too small; each side must be at least %(min)s pixels."),
        code="too_small",
        params={"min": MIN_SIDE},
    )


def _head(upload: IO[bytes]) -> bytes:
    upload.seek(0)
    return upload.read(1024 * 1024)  # app segments (EXIF, thumbnails) come before a JPEG's frame header


def _unreadable(head: bytes) -> ValidationError:
    """Why Pillow could not even identify the file, told from its first bytes."""
    if (
        head.startswith((b"\xff\xd8\xff", b"\x89PNG"))
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
        or (head[4:8] == b"ftyp" and HEIF_FORMATS)
    ):
        return _undecodable(head)
    if head.startswith(b"%PDF"):
        return _wrong_format("PDF")
    start = head[:1024].lstrip().lower()
    if start.startswith(b"<svg") or (start.startswith(b"<?xml") and b"<svg" in start):
        return _wrong_format("SVG")
    return ValidationError(
        _("This file is not an image we can read. Please upload a JPEG, PNG, WebP or HEIC photo."),
        code="unreadable",
    )


def _oriented(image: Image.Image) -> Image.Image:
    """The image turned upright by its EXIF orientation; as it is when that EXIF cannot be read."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Corrupt EXIF data": we only need the orientation
            return ImageOps.exif_transpose(image)
    except (SyntaxError, ValueError, TypeError, KeyError, IndexError, OSError, struct.error):
        # Phones and editors do write broken EXIF; a photo shown sideways beats a refused order.
        return image


def _bounded(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """`size` scaled so that its long side is at most `max_side`; never enlarged."""
    width, height = size
    longest = max(width, height)
    if longest <= max_side:
        return size
    return max(1, round(width * max_side / longest)), max(1, round(height * max_side / longest))


def photo_clean(
    upload: IO[bytes], *, size: int, max_bytes: int, max_pixels: int, max_side: int | None = None
) -> CleanPhoto:
    """Validate an uploaded photo and return it re-encoded as a metadata-free JPEG whose long side is
    at most `max_side` (default: settings.PHOTO_MAX_SIDE).

    Multi-picture files (MPO from phones and 3D cameras: depth maps, bursts) and animated
    PNG/WebP are taken as their first picture, which is the one a viewer shows.
    """
    bound = settings.PHOTO_MAX_SIDE if max_side is None else max_side
    if size > max_bytes:
        raise ValidationError(
            _("This file is %(size)s MB; the limit is %(limit)s MB."),
            code="too_large",
            params={"size": f"{size / 1e6:.1f}", "limit": f"{max_bytes / 1e6:.0f}"},
        )
    opened, full = _decoded(upload, max_pixels=max_pixels, bound=bound)
    return _stored_jpeg(opened, full=full, bound=bound)


def _decoded(upload: IO[bytes], *, max_pixels: int, bound: int) -> tuple[Image.Image, tuple[int, int]]:
    """The photo's first picture, decoded no larger than needed, and its size in the file's header; a
    ValidationError saying what is wrong."""
    try:
        with warnings.catch_warnings():
            # Pillow warns between 1x and 2x MAX_IMAGE_PIXELS; we turn the warning into a refusal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            previous = Image.MAX_IMAGE_PIXELS
            Image.MAX_IMAGE_PIXELS = max_pixels
            try:
                try:
                    opened = Image.open(upload)
                except (UnidentifiedImageError, SyntaxError, ValueError):
                    raise _unreadable(_head(upload)) from None
                fmt = opened.format or ""
                if fmt not in ACCEPTED_FORMATS:
                    raise _wrong_format(fmt, animated=getattr(opened, "is_animated", False))
                # Both checks read the header's size, before a single pixel is decoded.
                if opened.width * opened.height > max_pixels:
                    raise Image.DecompressionBombError("too many pixels")
                if min(opened.size) < MIN_SIDE:  # a quarter turn does not change the short side
                    raise _too_small()
                # A JPEG (and an MPO's first picture) is decoded at 1/2, 1/4 or 1/8 scale by libjpeg's
                # DCT scaling where that still leaves at least the bound: a 12 MP phone photo is
                # decoded as 3 MP instead of 12. The long side is the same whichever way the EXIF
                # turns the photo, so the bound can be applied before turning. No-op for other formats.
                full = opened.size  # draft() makes `size` the reduced one
                opened.draft("RGB", _bounded(full, bound))
                opened.load()  # the first frame: Pillow opens a multi-picture file positioned on it
            finally:
                Image.MAX_IMAGE_PIXELS = previous
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("This photo has too many pixels; the limit is %(limit)s megapixels."),
            code="too_many_pixels",
            params={"limit": f"{max_pixels / 1e6:.0f}"},
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error):
        # Identified but not decodable: cut off in transfer, or broken inside.
        raise _undecodable(_head(upload)) from None
    return opened, full


def _stored_jpeg(opened: Image.Image, *, full: tuple[int, int], bound: int) -> CleanPhoto:
    """The decoded photo scaled to the bound, turned upright, as a JPEG that keeps nothing of the file."""
    rgb = _to_rgb(opened)
    # The photo's EXIF (and XMP) orientation, read by _oriented below: flattening a transparent photo
    # onto white makes a new image without it. Resizing keeps it.
    rgb.info = dict(opened.info)
    # Scaled before it is turned, so that turning moves a quarter of the pixels. The target comes from
    # the header's size, so the stored size does not depend on the reduced-scale decode's rounding.
    target = _bounded(full, bound)
    if rgb.size != target:
        rgb = rgb.resize(target, _SCALING, reducing_gap=_REDUCING_GAP)
    rgb = _oriented(rgb)
    # Pillow's JPEG save writes the source's comment (a COM segment: owner names, serial numbers)
    # from `info` unless told otherwise; nothing read from the file goes into the stored photo.
    rgb.info = {}
    buffer = io.BytesIO()
    # A fresh save without exif=/icc_profile=/xmp= then carries no metadata at all, and a plain JPEG
    # save writes one picture: an MPO's other pictures and its MPF index are left behind.
    # Quality 92 keeps JPEG's own artefacts out of what the engine paints. No `optimize` (Huffman
    # tables made for this picture): it doubles the encoding time to save a few per cent of a file
    # that only the renders and the order page read.
    rgb.save(buffer, "JPEG", quality=92)
    return CleanPhoto(data=buffer.getvalue(), width=rgb.width, height=rgb.height)
