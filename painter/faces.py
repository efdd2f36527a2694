"""Whether a painting keeps a face's eyes and mouth where the photo has them: a check on the images.

A loss can fall while a face dissolves into the painting's strokes; what a customer checks first is
that the eyes and the mouth are still there. For each marked landmark (painter.references), the
photo's patch around it is looked for in the painting, near where it was, by normalised
cross-correlation of the edges (gradient magnitude, so that colours the style changed do not
matter): the landmark survives when the best match is strong enough and close enough to its place.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

__all__ = ["LandmarkCheck", "check_landmarks"]

# Sizes as fractions of the face's scale, given as the distance between the eyes, so that the check
# means the same on a portrait and on a small face in a big frame.
PATCH = 0.9  # side of the patch compared, in eye distances: an eye with its brow and lids, a mouth
SEARCH = 0.6  # how far from its place the match is looked for
TOLERANCE = 0.25  # how far from its place the match may be and still count as kept
#: Correlation below which nothing of the patch is in the painting. Strokes redraw a mouth's edges
#: far more than an eye's, so a mouth that is plainly there scores low: the place of the best match
#: decides, and this only rules out a match on nothing.
MIN_CORRELATION = 0.15


@dataclass(frozen=True)
class LandmarkCheck:
    name: str
    correlation: float
    offset: float  # how far the best match is from the landmark's place, in eye distances

    @property
    def kept(self) -> bool:
        return self.correlation >= MIN_CORRELATION and self.offset <= TOLERANCE


def _edges(image: Image.Image, size: tuple[int, int]) -> np.ndarray:
    grey = image.convert("L").resize(size, Image.Resampling.LANCZOS).filter(ImageFilter.GaussianBlur(1))
    a = np.asarray(grey, dtype=np.float32)
    gy, gx = np.gradient(a)
    return np.hypot(gx, gy)


def _ncc(patch: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Normalised cross-correlation of ``patch`` at every position inside ``window`` (valid only)."""
    ph, pw = patch.shape
    p = patch - patch.mean()
    p_norm = float(np.sqrt((p * p).sum())) or 1.0
    views = np.lib.stride_tricks.sliding_window_view(window, (ph, pw))
    centred = views - views.mean(axis=(-1, -2), keepdims=True)
    norms = np.sqrt((centred * centred).sum(axis=(-1, -2)))
    scores = (centred * p).sum(axis=(-1, -2)) / (norms * p_norm + 1e-6)
    return np.asarray(scores)


def check_landmarks(
    painting: Image.Image, photo: Image.Image, landmarks: dict[str, tuple[float, float]]
) -> list[LandmarkCheck]:
    """Each landmark of ``photo`` (name -> (x, y) as fractions of width and height, with a "left eye"
    and a "right eye") looked for in ``painting`` (any size with the photo's aspect ratio)."""
    size = photo.size
    (lx, ly), (rx, ry) = landmarks["left eye"], landmarks["right eye"]
    eyes = float(np.hypot((rx - lx) * size[0], (ry - ly) * size[1]))
    # Compared at a size where the eyes are about 40 px apart: enough detail for an eye, and small
    # faces are not blown up past the detail the painting has.
    scale = min(1.0, 40.0 / eyes) if eyes > 40 else 1.0
    work = (max(1, round(size[0] * scale)), max(1, round(size[1] * scale)))
    eyes *= scale
    before = _edges(photo, work)
    after = _edges(painting, work)
    half = max(3, round(PATCH * eyes / 2))
    reach = max(2, round(SEARCH * eyes))
    checks = []
    for name, (fx, fy) in landmarks.items():
        cx, cy = round(fx * work[0]), round(fy * work[1])
        top, left = cy - half, cx - half
        patch = before[max(0, top) : cy + half + 1, max(0, left) : cx + half + 1]
        w_top, w_left = max(0, top - reach), max(0, left - reach)
        window = after[w_top : cy + half + reach + 1, w_left : cx + half + reach + 1]
        if patch.size == 0 or window.shape[0] < patch.shape[0] or window.shape[1] < patch.shape[1]:
            checks.append(LandmarkCheck(name, 0.0, float("inf")))
            continue
        scores = _ncc(patch, window)
        best = np.unravel_index(int(np.argmax(scores)), scores.shape)
        dy = (w_top + best[0]) - max(0, top)
        dx = (w_left + best[1]) - max(0, left)
        checks.append(LandmarkCheck(name, float(scores[best]), float(np.hypot(dx, dy)) / eyes))
    return checks
