"""Keeping a photo's colours: the painting's luminance with the photo's chroma, in Torch7's YUV.

neural_style.lua's `original_colors` does this to a pass's result; the same arithmetic in numpy lets
the web tier (which has no torch) show customers what the option does, on a style's example.
"""

from __future__ import annotations

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
