"""The preview's watermark covers the whole image; the HD output has none."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from rendering.engine import ImageError, Watermark
from rendering.engine.watermark import apply_watermark


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
    assert marked.size == image.size and marked.mode == "RGB"
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
