"""Sample photos drawn by our own code, for a fresh shop's test renders and for tests.

They stand in for the photos that made or broke styles on the original site (a small face in a
big picture, a landscape, flowers) until staff upload real ones. Deterministic, Pillow only.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable

from PIL import Image, ImageChops, ImageDraw, ImageFilter

WIDTH, HEIGHT = 640, 480


def _gradient(top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Image.Image:
    image = Image.new("RGB", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(image)
    for y in range(HEIGHT):
        t = y / (HEIGHT - 1)
        draw.line([(0, y), (WIDTH, y)], fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    return image


def _photographic(image: Image.Image, seed: int) -> Image.Image:
    """Soften the drawing and add sensor-like grain, so the engine sees photo-like statistics."""
    random.seed(seed)
    grain = Image.effect_noise((WIDTH, HEIGHT), 18).convert("RGB")
    softened = image.filter(ImageFilter.GaussianBlur(1.2))
    return ImageChops.add(softened, grain, scale=1.0, offset=-110)


def draw_small_face() -> Image.Image:
    """A person far away in a park: the face is a few dozen pixels, the hardest case for a style."""
    image = _gradient((150, 190, 230), (90, 140, 80))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 300, WIDTH, HEIGHT], fill=(80, 125, 60))
    for x in range(0, WIDTH, 90):  # trees behind
        draw.ellipse([x - 40, 170, x + 60, 320], fill=(40, 95, 45))
        draw.rectangle([x + 5, 290, x + 15, 330], fill=(90, 60, 40))
    cx, cy = 330, 250
    draw.rectangle([cx - 22, cy + 22, cx + 22, cy + 110], fill=(180, 40, 50))  # coat
    draw.ellipse([cx - 16, cy - 20, cx + 16, cy + 20], fill=(224, 180, 150))  # face
    draw.pieslice([cx - 18, cy - 24, cx + 18, cy + 10], 180, 360, fill=(60, 40, 30))  # hair
    for ex in (cx - 7, cx + 5):
        draw.ellipse([ex, cy - 4, ex + 3, cy - 1], fill=(30, 30, 30))
    draw.arc([cx - 6, cy + 4, cx + 6, cy + 12], 20, 160, fill=(150, 60, 60), width=2)
    return _photographic(image, 1)


def draw_landscape() -> Image.Image:
    """Mountains, a lake and a low sun: large flat areas where styles tend to smear."""
    image = _gradient((250, 200, 150), (120, 150, 210))
    draw = ImageDraw.Draw(image)
    draw.ellipse([440, 90, 520, 170], fill=(255, 235, 180))
    draw.polygon(
        [(0, 320), (140, 150), (260, 300), (380, 120), (560, 310), (640, 220), (640, 360), (0, 360)], (90, 100, 130)
    )
    draw.polygon([(340, 170), (380, 120), (420, 170)], fill=(240, 240, 245))
    draw.rectangle([0, 340, WIDTH, HEIGHT], fill=(60, 100, 150))
    for y in range(350, HEIGHT, 9):  # ripples
        draw.line([(0, y), (WIDTH, y + 3)], fill=(85, 125, 175), width=2)
    return _photographic(image, 2)


def draw_flowers() -> Image.Image:
    """A bed of flowers: many small saturated shapes whose colours styles like to wash out."""
    rng = random.Random(3)
    image = _gradient((70, 120, 50), (30, 70, 30))
    draw = ImageDraw.Draw(image)
    colours = [(230, 60, 90), (250, 200, 40), (240, 240, 250), (170, 80, 200), (250, 120, 40)]
    for _ in range(38):
        x, y, r = rng.randrange(WIDTH), rng.randrange(HEIGHT), rng.randrange(14, 38)
        colour = colours[rng.randrange(len(colours))]
        for k in range(6):
            dx, dy = [(r, 0), (-r, 0), (0, r), (0, -r), (r // 1.4, r // 1.4), (-r // 1.4, -r // 1.4)][k]
            draw.ellipse(
                [x + dx * 0.6 - r / 2, y + dy * 0.6 - r / 2, x + dx * 0.6 + r / 2, y + dy * 0.6 + r / 2], colour
            )
        draw.ellipse([x - r / 4, y - r / 4, x + r / 4, y + r / 4], fill=(240, 190, 30))
    return _photographic(image, 3)


GENERATED: dict[str, Callable[[], Image.Image]] = {
    "Small face in a park": draw_small_face,
    "Mountain lake": draw_landscape,
    "Flower bed": draw_flowers,
}


def generated_jpeg(draw: Callable[[], Image.Image]) -> bytes:
    buffer = io.BytesIO()
    draw().save(buffer, "JPEG", quality=90)
    return buffer.getvalue()
