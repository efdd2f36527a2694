"""The small example photos beside the upload page's advice (orders/advice.py), drawn by our own code.

No customer's or third party's photo: a close face drawn here, and the far face, the flower bed and a
darkened landscape of the sample photos staff test styles on (styles/samples.py). The files are
static (`picmatix/static/picmatix/advice/`), drawn again with:

    .venv/bin/python -m orders.advice_examples
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from styles.samples import HEIGHT, WIDTH, draw_flowers, draw_landscape, draw_small_face

FOLDER = Path(__file__).resolve().parents[1] / "picmatix" / "static" / "picmatix" / "advice"
# Twice the size the page shows them at (site.css, .advice-examples img), for phones' dense screens.
SIZE = (160, 120)
# A night photo: the landscape at a sixth of its light, under the dark threshold of orders/advice.py.
NIGHT_BRIGHTNESS = 0.17


def draw_close_face() -> Image.Image:
    """A portrait: the face fills much of the frame, in soft even light."""
    image = Image.new("RGB", (WIDTH, HEIGHT), (196, 214, 226))
    draw = ImageDraw.Draw(image)
    for y in range(HEIGHT):  # a window's light falling off towards the floor
        shade = round(40 * y / HEIGHT)
        draw.line([(0, y), (WIDTH, y)], fill=(206 - shade, 220 - shade, 230 - shade))
    cx, cy = WIDTH // 2, 230
    draw.ellipse([cx - 230, cy + 150, cx + 230, cy + 460], fill=(40, 80, 120))  # shoulders
    draw.rectangle([cx - 45, cy + 100, cx + 45, cy + 190], fill=(214, 166, 134))  # neck
    draw.pieslice([cx - 150, cy - 200, cx + 150, cy + 120], 180, 360, fill=(70, 45, 30))  # hair
    draw.ellipse([cx - 120, cy - 160, cx + 120, cy + 150], fill=(230, 184, 152))  # face
    draw.chord([cx - 125, cy - 175, cx + 125, cy - 40], 180, 360, fill=(70, 45, 30))  # fringe
    for ex in (cx - 50, cx + 50):
        draw.ellipse([ex - 20, cy - 30, ex + 20, cy - 8], fill=(250, 250, 250))
        draw.ellipse([ex - 9, cy - 28, ex + 9, cy - 10], fill=(60, 90, 60))
        draw.arc([ex - 26, cy - 55, ex + 26, cy - 30], 200, 340, fill=(70, 45, 30), width=5)
    draw.line([(cx, cy - 5), (cx - 10, cy + 40), (cx + 8, cy + 44)], fill=(190, 130, 110), width=4)  # nose
    draw.arc([cx - 45, cy + 45, cx + 45, cy + 95], 20, 160, fill=(170, 70, 70), width=6)  # smile
    return image.filter(ImageFilter.GaussianBlur(1.5))


def draw_night() -> Image.Image:
    return ImageEnhance.Brightness(draw_landscape()).enhance(NIGHT_BRIGHTNESS)


# File name (without extension) and how to draw it, in the page's order.
EXAMPLES: dict[str, Callable[[], Image.Image]] = {
    "close-face": draw_close_face,
    "far-face": draw_small_face,
    "dark": draw_night,
    "flowers": draw_flowers,
}


def advice_example_jpeg(draw: Callable[[], Image.Image]) -> bytes:
    image = draw().resize(SIZE, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=72, optimize=True, progressive=True)
    return buffer.getvalue()


def advice_examples_write(folder: Path = FOLDER) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in EXAMPLES.items():
        path = folder / f"{name}.jpg"
        path.write_bytes(advice_example_jpeg(draw))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in advice_examples_write():
        print(f"{path} {path.stat().st_size} bytes")
