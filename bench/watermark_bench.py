"""How much the preview's watermark hides: measured on real paintings and photos at preview size.

    python bench/watermark_bench.py [--opacity 0.3 --size 0.035 --spacing 1.8] [--save]

For each image, resized to the preview's longest side (1024 px), it prints:
- `changed`: the share of pixels the mark changes by more than 8 levels (on any channel);
- `mean`: the mean absolute change over all pixels and channels, in levels (0..255);
- `free`: the side of the largest square with no changed pixel, as a share of the short side:
  a crop this big (or a patch this big for a retoucher) is all one can take without the mark.
`--save` writes the marked images to bench/out/ to look at. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from painter.images import resize_longest  # noqa: E402
from painter.pipeline import PREVIEW_SIDE  # noqa: E402
from painter.recipe import Watermark  # noqa: E402
from painter.watermark import apply_watermark  # noqa: E402

SHARED = REPO.parent / "shared" / "images"
IMAGES = [
    SHARED / "styles" / "starry_night.jpg",
    SHARED / "styles" / "the_scream.jpg",
    SHARED / "styles" / "woman-with-hat-matisse.jpg",
    SHARED / "content" / "golden_gate.jpg",
]
OUT = REPO / "bench" / "out"


def largest_free_square(changed: np.ndarray) -> int:
    """Side of the largest all-False square in a boolean mask (dynamic programming, row by row)."""
    best = 0
    previous = np.zeros(changed.shape[1] + 1, dtype=np.int32)
    for row in changed:
        current = np.zeros_like(previous)
        for x in range(1, len(current)):
            if not row[x - 1]:
                current[x] = 1 + min(previous[x], previous[x - 1], current[x - 1])
        best = max(best, int(current.max()))
        previous = current
    return best


def measure(image: Image.Image, spec: Watermark) -> dict[str, float]:
    marked = apply_watermark(image, spec)
    before = np.asarray(image.convert("RGB"), dtype=np.int16)
    after = np.asarray(marked, dtype=np.int16)
    delta = np.abs(after - before)
    changed = delta.max(axis=2) > 8
    # The square search is O(pixels) in Python: run it on a 4x-reduced mask (a changed pixel marks its block).
    h, w = changed.shape
    blocks = changed[: h - h % 4, : w - w % 4].reshape(h // 4, 4, w // 4, 4).any(axis=(1, 3))
    return {
        "changed": float(changed.mean()),
        "mean": float(delta.mean()),
        "free": 4 * largest_free_square(blocks) / min(h, w),
    }


def _line(numbers: dict[str, float]) -> str:
    return f"changed {numbers['changed']:.3f}  mean {numbers['mean']:5.1f}  free {numbers['free']:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    defaults = Watermark()
    parser.add_argument("--opacity", type=float, default=defaults.opacity)
    parser.add_argument("--size", type=float, default=defaults.size)
    parser.add_argument("--spacing", type=float, default=defaults.spacing)
    parser.add_argument("--save", action="store_true")
    args = parser.parse_args()
    spec = Watermark(opacity=args.opacity, size=args.size, spacing=args.spacing)
    print(f"opacity={spec.opacity} size={spec.size} spacing={spec.spacing}")
    totals = []
    for path in IMAGES:
        with Image.open(path) as opened:
            image = resize_longest(opened.convert("RGB"), PREVIEW_SIDE)
        numbers = measure(image, spec)
        totals.append(numbers)
        print(f"{path.name:32} {_line(numbers)}")
        if args.save:
            OUT.mkdir(parents=True, exist_ok=True)
            name = f"watermark-{path.stem}-{spec.opacity}-{spec.size}-{spec.spacing}.png"
            apply_watermark(image, spec).save(OUT / name)
    mean = {key: sum(n[key] for n in totals) / len(totals) for key in totals[0]}
    print(f"{'mean':32} {_line(mean)}")


if __name__ == "__main__":
    main()
