"""The preview's watermark: text or a logo, tiled on a rotated grid over the whole image.

Tiling everywhere (rather than one corner mark) means no crop of the preview is free of it.
"""

from __future__ import annotations

import math

from PIL import Image, ImageDraw, ImageFont

from .errors import ImageError
from .recipe import Watermark

__all__ = ["apply_watermark", "watermark_tile"]


def _font(px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=px)
    except (ImportError, OSError, TypeError):  # Pillow built without FreeType: the fixed bitmap font
        return ImageFont.load_default()


def watermark_tile(spec: Watermark, height_px: int) -> Image.Image:
    """One RGBA mark (text with a dark outline, or the logo), about ``height_px`` high, at full opacity."""
    if spec.logo is not None:
        try:
            with Image.open(spec.logo) as logo_file:
                logo = logo_file.convert("RGBA")
        except (OSError, ValueError) as exc:
            raise ImageError(f"cannot read the watermark logo {spec.logo}: {exc}") from exc
        width = max(1, round(logo.width * height_px / logo.height))
        return logo.resize((width, height_px), Image.Resampling.LANCZOS)
    font = _font(height_px)
    stroke = max(1, height_px // 12)
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    left, top, right, bottom = (round(v) for v in probe.textbbox((0, 0), spec.text, font=font, stroke_width=stroke))
    tile = Image.new("RGBA", (right - left + 2, bottom - top + 2), (0, 0, 0, 0))
    ImageDraw.Draw(tile).text(
        (1 - left, 1 - top),
        spec.text,
        font=font,
        fill=(255, 255, 255, 255),
        stroke_width=stroke,
        stroke_fill=(0, 0, 0, 255),
    )
    return tile


def apply_watermark(image: Image.Image, spec: Watermark) -> Image.Image:
    """``image`` with ``spec``'s mark repeated on a grid rotated by ``spec.angle``, at ``spec.opacity``."""
    base = image.convert("RGB")
    if not spec.enabled:
        return base.copy()
    width, height = base.size
    tile = watermark_tile(spec, max(8, round(spec.size * max(width, height))))
    # Cover the rotated image's bounding square so that rotation leaves no unmarked corner.
    side = math.ceil(math.hypot(width, height)) + 2 * max(tile.size)
    layer = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    step_x = tile.width + round(spec.spacing * max(tile.height, tile.width // 3))
    step_y = tile.height + round(spec.spacing * tile.height * 2)
    for row, y in enumerate(range(0, side, step_y)):
        offset = (step_x // 2) * (row % 2)  # brick pattern: staggered rows
        for x in range(-offset, side, step_x):
            layer.paste(tile, (x, y))  # tiles never overlap: a plain copy, alpha included
    layer = layer.rotate(spec.angle, resample=Image.Resampling.BICUBIC)
    left, top = (side - width) // 2, (side - height) // 2
    layer = layer.crop((left, top, left + width, top + height))
    alpha = layer.getchannel("A").point(lambda a: round(a * spec.opacity))
    layer.putalpha(alpha)
    marked = base.convert("RGBA")
    marked.alpha_composite(layer)
    return marked.convert("RGB")
