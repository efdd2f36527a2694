"""Colours between the photo and the painting, in numpy (the web tier has no torch).

Keeping a photo's colours: the painting's luminance with the photo's chroma, in Torch7's YUV, as
neural_style.lua's `original_colors` does to a pass's result; here it lets the web tier show customers
what the option does, on a style's example. Taking the painting's colours: the photo's colours moved
to the painting's before it is painted (a recipe's ``painting_colors``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image

# RGB -> YUV as Torch7's image.rgb2yuv, which neural_style.lua's original_colors uses.
RGB_TO_YUV = np.array(
    [
        [0.299, 0.587, 0.114],
        [-0.14713, -0.28886, 0.436],
        [0.615, -0.51499, -0.10001],
    ],
    dtype=np.float64,
)
YUV_TO_RGB = np.linalg.inv(RGB_TO_YUV)


def keep_photo_colours(painting: Image.Image, photo: Image.Image) -> Image.Image:
    """The painting's luminance (Y) with the chroma (U, V) of the photo, resized to the painting."""
    painted = np.asarray(painting.convert("RGB"), dtype=np.float64) / 255.0
    source = photo.convert("RGB").resize(painting.size, Image.Resampling.BICUBIC)
    original = np.asarray(source, dtype=np.float64) / 255.0
    yuv = original @ RGB_TO_YUV.T
    yuv[..., 0] = (painted @ RGB_TO_YUV.T)[..., 0]
    rgb = np.clip(yuv @ YUV_TO_RGB.T, 0.0, 1.0)
    return Image.fromarray(np.round(rgb * 255.0).astype(np.uint8), mode="RGB")


#: The colour statistics are read from copies this small: enough for a mean and a 3x3 covariance, and
#: the same numbers whatever size the photo is painted at.
STATS_SIDE = 256


def _colour_stats(image: Image.Image) -> tuple[np.ndarray, np.ndarray]:
    """Mean (3,) and covariance (3, 3) of an image's RGB in [0, 1], on a copy at most STATS_SIDE px."""
    copy = image.convert("RGB")
    copy.thumbnail((STATS_SIDE, STATS_SIDE), Image.Resampling.BILINEAR)
    pixels = np.asarray(copy, dtype=np.float64).reshape(-1, 3) / 255.0
    return pixels.mean(axis=0), np.cov(pixels, rowvar=False)


def _sqrtm(matrix: np.ndarray) -> np.ndarray:
    """The symmetric square root of a symmetric positive semi-definite 3x3 matrix."""
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def _blend_stats(paintings: Sequence[Image.Image], blend: Sequence[float] | None) -> tuple[np.ndarray, np.ndarray]:
    """The colour statistics of the paintings as one mixture, weighted as their styles are blended."""
    weights = np.asarray(blend if blend is not None else [1.0] * len(paintings), dtype=np.float64)
    weights = weights / weights.sum()
    stats = [_colour_stats(p) for p in paintings]
    mean = sum(w * m for w, (m, _) in zip(weights, stats, strict=True))
    second = sum(w * (c + np.outer(m, m)) for w, (m, c) in zip(weights, stats, strict=True))
    return mean, second - np.outer(mean, mean)


def _distance(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> float:
    """The 2-Wasserstein distance between two Gaussians given as (mean, covariance)."""
    (ma, ca), (mb, cb) = a, b
    root = _sqrtm(ca)
    squared = float(((ma - mb) ** 2).sum() + np.trace(ca + cb - 2.0 * _sqrtm(root @ cb @ root)))
    return max(squared, 0.0) ** 0.5


def colour_distance(
    image: Image.Image, paintings: Sequence[Image.Image], blend: Sequence[float] | None = None
) -> float:
    """How far an image's colours are from the paintings': the 2-Wasserstein distance between Gaussians
    with their RGB means and covariances (0: the same mean and spread of colour; RGB in [0, 1])."""
    return _distance(_colour_stats(image), _blend_stats(paintings, blend))


def colour_closed(
    image: Image.Image, photo: Image.Image, paintings: Sequence[Image.Image], blend: Sequence[float] | None = None
) -> float | None:
    """Of the distance between the photo's colours and the paintings', the share the image closes (0:
    the photo's colours, 1: the paintings'); None where the photo's colours are already theirs."""
    target = _blend_stats(paintings, blend)
    start = _distance(_colour_stats(photo), target)
    if start < 1e-6:
        return None
    return 1.0 - _distance(_colour_stats(image), target) / start


def towards_painting_colours(
    photo: Image.Image,
    paintings: Sequence[Image.Image],
    amount: float,
    blend: Sequence[float] | None = None,
) -> Image.Image:
    """The photo with its colours moved ``amount`` (0..1) of the way to the paintings' mean and spread
    of colour: 1 gives the photo the paintings' RGB mean and covariance, by the linear map that moves
    colours least (the Monge-Kantorovich solution between Gaussians), so that light stays light and
    a hue moves to the painting's nearest. Painting from this photo, a Gatys pass starts in the
    painting's palette; from the photo itself its few iterations leave most of the photo's colours,
    and a painting whose look is its colours (The Scream's orange sky) comes back as the photo."""
    if amount <= 0.0:
        return photo
    source_mean, source_cov = _colour_stats(photo)
    target_mean, target_cov = _blend_stats(paintings, blend)
    ridge = 1e-5 * np.eye(3)  # a photo of one flat colour has a singular covariance
    root = _sqrtm(source_cov + ridge)
    inverse = np.linalg.inv(root)
    transfer = inverse @ _sqrtm(root @ (target_cov + ridge) @ root) @ inverse
    original = np.asarray(photo.convert("RGB"))
    result = np.empty_like(original)
    # A band of rows at a time: a customer's 12-megapixel photo in float64 whole would take some
    # 300 MB per copy on the worker.
    for top in range(0, original.shape[0], _ROWS):
        pixels = original[top : top + _ROWS].astype(np.float64) / 255.0
        moved = (pixels - source_mean) @ transfer.T + target_mean
        mixed = np.clip(amount * moved + (1.0 - amount) * pixels, 0.0, 1.0)
        result[top : top + _ROWS] = np.round(mixed * 255.0).astype(np.uint8)
    return Image.fromarray(result, mode="RGB")


_ROWS = 256
