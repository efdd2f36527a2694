"""How large the HD file prints: stated on the buy page and in the HD email, so that a customer
knows before and after paying what the file is good for."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.files.storage import default_storage
from django.utils import formats, translation
from django.utils.translation import gettext
from PIL import Image, UnidentifiedImageError

from orders.models import Order, RenderJob

logger = logging.getLogger(__name__)

# 300 dots per inch: what photo labs and print shops ask for a sharp print seen from close by.
PRINT_DPI = 300
CM_PER_INCH = Decimal("2.54")
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class PrintSize:
    width_px: int
    height_px: int
    dpi: int
    width_cm: Decimal  # one decimal
    height_cm: Decimal
    width_in: Decimal
    height_in: Decimal


def print_size(*, width: int, height: int, dpi: int = PRINT_DPI) -> PrintSize:
    """The size in centimetres and inches of a width x height px image printed at `dpi`, to a tenth."""
    if width <= 0 or height <= 0 or dpi <= 0:
        raise ValueError(f"no print size for {width} x {height} px at {dpi} dpi")

    def inches(pixels: int) -> Decimal:
        return Decimal(pixels) / Decimal(dpi)

    def tenth(value: Decimal) -> Decimal:
        return value.quantize(TENTH, rounding=ROUND_HALF_UP)

    return PrintSize(
        width_px=width,
        height_px=height,
        dpi=dpi,
        width_cm=tenth(inches(width) * CM_PER_INCH),
        height_cm=tenth(inches(height) * CM_PER_INCH),
        width_in=tenth(inches(width)),
        height_in=tenth(inches(height)),
    )


def print_size_text(*, width: int, height: int, language: str, dpi: int = PRINT_DPI) -> str:
    """E.g. "3840 × 2880 px, 32.5 × 24.4 cm / 12.8 × 9.6 in at 300 dpi", in the language's numbers."""
    size = print_size(width=width, height=height, dpi=dpi)
    with translation.override(language):

        def number(value: Decimal) -> str:
            return formats.number_format(value, decimal_pos=1, use_l10n=True)

        return gettext(
            "%(width)s × %(height)s px, %(width_cm)s × %(height_cm)s cm / %(width_in)s × %(height_in)s in"
            " at %(dpi)s dpi"
        ) % {
            "width": size.width_px,
            "height": size.height_px,
            "width_cm": number(size.width_cm),
            "height_cm": number(size.height_cm),
            "width_in": number(size.width_in),
            "height_in": number(size.height_in),
            "dpi": size.dpi,
        }


def render_job_hd_size(job: RenderJob) -> tuple[int, int] | None:
    """The HD file's pixel size: as the worker recorded it, else read from the file's header."""
    recorded = (job.stats or {}).get("hd_size")
    if isinstance(recorded, list) and len(recorded) == 2 and all(isinstance(v, int) and v > 0 for v in recorded):
        return recorded[0], recorded[1]
    if not job.hd:
        return None
    try:
        with default_storage.open(job.hd.name, "rb") as handle, Image.open(handle) as image:
            return image.size  # the header only: the pixels are not decoded
    except (OSError, UnidentifiedImageError) as error:
        logger.warning("job %s: HD size unknown: %s", job.pk, error)
        return None


def order_hd_size_text(order: Order, *, language: str) -> str:
    """The print size of the order's HD file in `language`, for the buy page and the HD email; "" while
    there is none."""
    job = order.current_job
    size = render_job_hd_size(job) if job is not None else None
    return print_size_text(width=size[0], height=size[1], language=language) if size else ""
