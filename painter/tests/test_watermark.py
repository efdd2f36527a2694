"""The preview's watermark covers the whole image; the HD output has none."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from painter import ImageError, Watermark
from painter.watermark import apply_watermark


def _quadrant_changes(before: Image.Image, after: Image.Image) -> list[float]:
    a = np.asarray(before, dtype=np.float32)
    b = np.asarray(after, dtype=np.float32)
    h, w = a.shape[0] // 2, a.shape[1] // 2
    quadrants = [
        (slice(0, h), slice(0, w)),
        (slice(0, h), slice(w, None)),
        (slice(h, None), slice(0, w)),
        (slice(h, None), slice(w, None)),
    ]
    return [float(np.mean(np.abs(a[q] - b[q]) > 8)) for q in quadrants]


@pytest.mark.parametrize("size", [(256, 192), (192, 256), (400, 96)])
def test_text_watermark_is_present_in_all_four_quadrants(size: tuple[int, int]) -> None:
    image = Image.new("RGB", size, (128, 140, 150))
    marked = apply_watermark(image, Watermark())
    assert marked.size == image.size
    assert marked.mode == "RGB"
    for share in _quadrant_changes(image, marked):
        assert share > 0.02  # every quarter carries a visible part of the mark


def test_a_disabled_watermark_changes_nothing() -> None:
    image = Image.new("RGB", (64, 48), (10, 200, 30))
    assert np.array_equal(np.asarray(apply_watermark(image, Watermark(enabled=False))), np.asarray(image))


def test_a_logo_watermark_is_tiled_too(tmp_path: Path) -> None:
    logo = Image.new("RGBA", (40, 20), (255, 0, 0, 255))
    path = tmp_path / "logo.png"
    logo.save(path)
    image = Image.new("RGB", (240, 240), (255, 255, 255))
    marked = apply_watermark(image, Watermark(logo=str(path), size=0.08, opacity=0.5))
    assert all(share > 0.02 for share in _quadrant_changes(image, marked))


def test_an_unreadable_logo_is_an_image_error(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="watermark logo"):
        apply_watermark(Image.new("RGB", (32, 32)), Watermark(logo=str(tmp_path / "missing.png")))


def _largest_unmarked_square(before: Image.Image, after: Image.Image) -> int:
    """Side in pixels of the largest square that the mark leaves untouched (changed by 8 levels or less)."""
    changed = np.abs(np.asarray(after, dtype=np.int16) - np.asarray(before, dtype=np.int16)).max(axis=2) > 8
    best = 0
    above = np.zeros(changed.shape[1] + 1, dtype=np.int32)
    for row in changed:
        here = np.zeros_like(above)
        for x in np.flatnonzero(~row) + 1:
            here[x] = 1 + min(above[x], above[x - 1], here[x - 1])
        best = max(best, int(here.max()))
        above = here
    return best


@pytest.mark.parametrize("size", [(384, 256), (256, 384)])
def test_no_crop_of_a_quarter_of_the_short_side_escapes_the_default_mark(size: tuple[int, int]) -> None:
    image = Image.new("RGB", size, (128, 140, 150))
    marked = apply_watermark(image, Watermark())
    assert _largest_unmarked_square(image, marked) <= 0.3 * min(size)


def test_wider_spacing_marks_fewer_pixels_and_leaves_larger_gaps() -> None:
    image = Image.new("RGB", (384, 256), (128, 140, 150))
    dense, sparse = (apply_watermark(image, Watermark(spacing=s, size=0.05)) for s in (1.0, 2.0))
    assert np.mean(_quadrant_changes(image, sparse)) < 0.8 * np.mean(_quadrant_changes(image, dense))
    assert _largest_unmarked_square(image, sparse) > _largest_unmarked_square(image, dense)
