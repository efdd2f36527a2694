"""The benchmark's content/style pairs, split once into the pairs choices are made on and those held out.

Photos: scikit-image's public-domain and CC0 photographs (painter.references) and the test photos in
../shared/images/content. Paintings: the public-domain ones in ../shared/images/styles, the two
Picassos there (benchmarks only: see ../shared/images/SOURCES.md) and two of the shop's drawn demo
styles. The split was made before any measurement and is not to be changed to suit a result:

- **chosen**: the calibration's three reference photos with the three demo paintings that looked right
  (The Starry Night, The Scream, Woman with a Hat) at the default weights, minus one, 8 pairs. The
  calibration band (painter.calibrate.TARGET_BAND) was read from these.
- **held out**: every other photo, and the paintings nothing was chosen on (the Picassos, the drawn
  styles), 12 pairs. Recipes are judged here (bench/judge.py).
"""

from __future__ import annotations

import io
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PICMATIX_SHARED_DIR") or REPO.parent / "shared")
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from painter.references import REFERENCES, reference_folder  # noqa: E402

PAINTINGS = {
    "starry": "starry_night.jpg",
    "scream": "the_scream.jpg",
    "matisse": "woman-with-hat-matisse.jpg",
    "picasso": "picasso_selfport1907.jpg",
    "nude": "seated-nude.jpg",
}
DRAWN = ("nocturne", "sunset-waves")
CONTENT = {"tubingen": "tubingen.jpg", "golden_gate": "golden_gate.jpg", "hoover": "hoovertowernight.jpg"}


@dataclass(frozen=True)
class Pair:
    photo: str
    style: str
    split: str  # "chosen" or "held_out"

    @property
    def name(self) -> str:
        return f"{self.photo}+{self.style}"


CHOSEN = [
    Pair(photo, style, "chosen")
    for photo, style in [
        ("astronaut", "starry"),
        ("astronaut", "scream"),
        ("astronaut", "matisse"),
        ("chelsea", "starry"),
        ("chelsea", "scream"),
        ("chelsea", "matisse"),
        ("rocket", "starry"),
        ("rocket", "scream"),
    ]
]
HELD_OUT = [
    Pair(photo, style, "held_out")
    for photo, style in [
        ("astronaut", "nude"),
        ("astronaut", "nocturne"),
        ("chelsea", "picasso"),
        ("rocket", "sunset-waves"),
        ("coffee", "starry"),
        ("coffee", "nude"),
        ("camera", "scream"),
        ("tubingen", "starry"),
        ("tubingen", "nude"),
        ("golden_gate", "scream"),
        ("hoover", "matisse"),
        ("hoover", "sunset-waves"),
    ]
]
PAIRS = CHOSEN + HELD_OUT


def load_photo(key: str) -> Image.Image:
    by_key = {ref.key: ref for ref in REFERENCES}
    path = reference_folder() / by_key[key].file if key in by_key else SHARED / "images" / "content" / CONTENT[key]
    with Image.open(path) as image:
        return image.convert("RGB")


def load_style(key: str) -> Image.Image:
    if key in PAINTINGS:
        with Image.open(SHARED / "images" / "styles" / PAINTINGS[key]) as image:
            return image.convert("RGB")
    from styles.demo import DEMO_STYLES, demo_style_jpeg  # drawn with Pillow; no Django needed

    demo = next(d for d in DEMO_STYLES if d.slug == key)
    with Image.open(io.BytesIO(demo_style_jpeg(demo))) as image:
        return image.convert("RGB")


def row_sheet(images: list[Image.Image], width: int = 240) -> Image.Image:
    """The images side by side, each ``width`` px wide at its own aspect ratio, on white."""
    tiles = [
        im.convert("RGB").resize((width, round(width * im.height / im.width)), Image.Resampling.LANCZOS)
        for im in images
    ]
    sheet = Image.new("RGB", (width * len(tiles), max(t.height for t in tiles)), "white")
    for i, tile in enumerate(tiles):
        sheet.paste(tile, (i * width, 0))
    return sheet
