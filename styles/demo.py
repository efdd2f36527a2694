"""Demo style paintings drawn by our own code, so the shop can ship styles it is free to use.

Each painter is deterministic (seeded) and draws brush-like strokes with Pillow and numpy; the
results have the strong texture and palette that Gatys style transfer picks up.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

SIZE = 512


def _stroke_field(
    draw: ImageDraw.ImageDraw,
    rng: np.random.Generator,
    angle_at: Callable[[float, float], float],
    palette: list[tuple[int, int, int]],
    *,
    count: int,
    length: int,
    width: tuple[int, int],
) -> None:
    """Short strokes that follow a flow field, like a painter's brush following a form."""
    for _ in range(count):
        x, y = rng.uniform(0, SIZE, 2)
        base = palette[rng.integers(len(palette))]
        jitter = rng.integers(-18, 19, 3)
        colour = tuple(int(np.clip(c + j, 0, 255)) for c, j in zip(base, jitter, strict=True))
        points = [(x, y)]
        for _step in range(length):
            angle = angle_at(x, y)
            x += 3.0 * math.cos(angle)
            y += 3.0 * math.sin(angle)
            points.append((x, y))
        draw.line(points, fill=colour, width=int(rng.integers(*width)), joint="curve")


def paint_swirls(seed: int = 1) -> Image.Image:
    """Night sky of swirling blue and yellow strokes."""
    rng = np.random.default_rng(seed)
    image = Image.new("RGB", (SIZE, SIZE), (18, 38, 92))
    draw = ImageDraw.Draw(image)
    centres = [(150, 170, 1.0), (360, 120, -1.0), (300, 360, 1.0)]

    def angle_at(x: float, y: float) -> float:
        # Sum of vortices: each contributes a tangential direction fading with distance.
        vx, vy = 1.0, 0.15 * math.sin(y / 40.0)
        for cx, cy, spin in centres:
            dx, dy = x - cx, y - cy
            r2 = dx * dx + dy * dy + 400.0
            vx += spin * -dy * 3000.0 / r2
            vy += spin * dx * 3000.0 / r2
        return math.atan2(vy, vx)

    blues = [(24, 52, 120), (40, 80, 160), (70, 120, 190), (110, 160, 210), (20, 30, 70)]
    _stroke_field(draw, rng, angle_at, blues, count=2600, length=12, width=(3, 7))
    yellows = [(240, 210, 80), (250, 235, 150), (220, 170, 40)]
    for cx, cy, r in [(420, 80, 38), (90, 90, 22), (250, 60, 16), (470, 260, 20)]:
        for k in range(6, 0, -1):
            colour = yellows[k % len(yellows)]
            draw.ellipse([cx - r * k / 3, cy - r * k / 3, cx + r * k / 3, cy + r * k / 3], outline=colour, width=4)
    hills = [(30, 50, 30), (50, 80, 40), (20, 35, 25)]
    _stroke_field(draw, rng, lambda x, y: 0.3 * math.sin(x / 60.0), hills, count=500, length=10, width=(4, 8))
    for x in range(0, SIZE, 2):
        top = int(430 + 25 * math.sin(x / 50.0))
        draw.line([(x, top), (x, SIZE)], fill=hills[x % 3], width=2)
    return image.filter(ImageFilter.SMOOTH)


def paint_mosaic(seed: int = 2) -> Image.Image:
    """Cubist facets: Voronoi cells in earth colours with dark outlines."""
    rng = np.random.default_rng(seed)
    palette = np.array(
        [(176, 124, 74), (120, 84, 60), (210, 180, 130), (90, 96, 104), (160, 60, 40), (230, 210, 170), (60, 50, 45)],
        dtype=np.float32,
    )
    seeds = rng.uniform(0, SIZE, (90, 2))
    colours = palette[rng.integers(len(palette), size=len(seeds))]
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    distances = (xx[..., None] - seeds[:, 0]) ** 2 + (yy[..., None] - seeds[:, 1]) ** 2
    order = np.argsort(distances, axis=-1)
    nearest, second = order[..., 0], order[..., 1]
    d1 = np.take_along_axis(distances, nearest[..., None], -1)[..., 0]
    d2 = np.take_along_axis(distances, second[..., None], -1)[..., 0]
    pixels = colours[nearest]
    # Shade each facet along a direction of its own, as if lit from one side.
    direction = rng.uniform(-1, 1, (len(seeds), 2))
    shade = (xx - seeds[nearest, 0]) * direction[nearest, 0] + (yy - seeds[nearest, 1]) * direction[nearest, 1]
    pixels *= (1.0 + np.clip(shade / 160.0, -0.35, 0.35))[..., None]
    edge = (np.sqrt(d2) - np.sqrt(d1)) < 3.0
    pixels[edge] = (35, 28, 24)
    grain = rng.normal(0, 9, (SIZE, SIZE, 1))
    return Image.fromarray(np.clip(pixels + grain, 0, 255).astype(np.uint8))


def paint_waves(seed: int = 3) -> Image.Image:
    """Undulating bands of orange, red and blue, like a feverish sunset."""
    rng = np.random.default_rng(seed)
    image = Image.new("RGB", (SIZE, SIZE), (230, 120, 50))
    draw = ImageDraw.Draw(image)
    bands = [(232, 96, 40), (250, 170, 60), (190, 50, 40), (60, 80, 150), (240, 200, 110), (35, 60, 120)]
    for i in range(70):
        base = i * SIZE / 60.0 - 30
        colour = bands[i % len(bands)]
        amplitude = rng.uniform(8, 30)
        phase = rng.uniform(0, 2 * math.pi)
        points = [(x, base + amplitude * math.sin(x / 45.0 + phase + base / 90.0)) for x in range(-10, SIZE + 10, 6)]
        draw.line(points, fill=colour, width=int(rng.integers(6, 14)), joint="curve")
    _stroke_field(
        draw,
        rng,
        lambda x, y: 0.8 * math.sin(y / 35.0 + x / 120.0),
        bands,
        count=1400,
        length=8,
        width=(2, 5),
    )
    return image.filter(ImageFilter.SMOOTH_MORE)


@dataclass(frozen=True)
class DemoStyle:
    slug: str
    name_en: str
    name_es: str
    description_en: str
    description_es: str
    painter: Callable[[], Image.Image]


DEMO_STYLES = [
    DemoStyle(
        "nocturne",
        "Nocturne",
        "Nocturno",
        "Swirling blue night strokes with glowing yellow lights.",
        "Trazos nocturnos azules en remolino con luces amarillas.",
        paint_swirls,
    ),
    DemoStyle(
        "facets",
        "Facets",
        "Facetas",
        "Cubist facets in warm earth colours.",
        "Facetas cubistas en cálidos colores tierra.",
        paint_mosaic,
    ),
    DemoStyle(
        "sunset-waves",
        "Sunset waves",
        "Olas de atardecer",
        "Feverish bands of orange, red and deep blue.",
        "Bandas febriles de naranja, rojo y azul profundo.",
        paint_waves,
    ),
]


def demo_style_jpeg(demo: DemoStyle) -> bytes:
    buffer = io.BytesIO()
    demo.painter().save(buffer, "JPEG", quality=92)
    return buffer.getvalue()
