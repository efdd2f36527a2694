"""Reading images, resizing them and moving them between Pillow and torch."""

from __future__ import annotations

import io
import math
import os
import warnings
from typing import BinaryIO

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from .colours import RGB_TO_YUV
from .errors import ImageError

__all__ = [
    "MIN_SIDE",
    "load_image",
    "match_luminance",
    "pil_to_tensor",
    "resize_longest",
    "scaled_size",
    "tensor_to_pil",
]

#: The shortest side a network input may have: VGG-19 halves it four times before relu5_x.
MIN_SIDE = 16

ImageSource = str | os.PathLike[str] | bytes | BinaryIO | Image.Image


def load_image(source: ImageSource) -> Image.Image:
    """A path, bytes or binary file -> an RGB image, EXIF orientation applied; ImageError if unusable."""
    name = os.fspath(source) if isinstance(source, str | os.PathLike) else "the image"
    try:
        with warnings.catch_warnings():
            # Pillow warns (instead of failing) between 1x and 2x its pixel limit: refuse those too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if isinstance(source, Image.Image):
                image = source
            elif isinstance(source, bytes):
                image = Image.open(io.BytesIO(source))
            else:
                image = Image.open(source)
            image.load()
            image = ImageOps.exif_transpose(image)
            if image.mode != "RGB":
                image = _to_rgb(image)
    except FileNotFoundError as exc:
        raise ImageError(f"cannot read {name}: no such file") from exc
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError(f"cannot read {name}: {exc}") from exc
    except (OSError, ValueError, SyntaxError) as exc:  # truncated or corrupt files
        raise ImageError(f"cannot read {name}: {exc}") from exc
    if min(image.size) < 1:
        raise ImageError(f"{name} is empty ({image.width}x{image.height})")
    return image


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def scaled_size(size: tuple[int, int], longest: int) -> tuple[int, int]:
    """(width, height) scaled so that the longest side is ``longest``, aspect ratio kept."""
    width, height = size
    factor = longest / max(width, height)
    return max(1, round(width * factor)), max(1, round(height * factor))


def resize_longest(image: Image.Image, longest: int) -> Image.Image:
    """Resize so that the longest side is ``longest`` (Lanczos; a no-op when already there)."""
    target = scaled_size(image.size, longest)
    if target == image.size:
        return image
    return image.resize(target, Image.Resampling.LANCZOS)


def style_side(size: int, style_scale: float) -> int:
    """The style image's longest side for a pass: ceil(style_scale * size), as neural_style.lua."""
    return max(1, math.ceil(style_scale * size))


def pil_to_tensor(image: Image.Image, device: torch.device | str = "cpu") -> torch.Tensor:
    """RGB image -> (1, 3, H, W) float32 in [0, 1]."""
    array = np.asarray(image.convert("RGB"), dtype=np.uint8)
    return torch.from_numpy(array.copy()).to(device).permute(2, 0, 1)[None].float().div_(255.0)


def tensor_to_pil(tensor: torch.Tensor) -> Image.Image:
    """(1, 3, H, W) or (3, H, W) RGB in [0, 1] -> 8-bit RGB image (clamped, rounded)."""
    rgb = tensor.detach()
    if rgb.ndim == 4:
        rgb = rgb[0]
    array = rgb.clamp(0.0, 1.0).mul(255.0).round().to(torch.uint8).permute(1, 2, 0).cpu().numpy()
    return Image.fromarray(np.ascontiguousarray(array), mode="RGB")


# RGB <-> YUV as Torch7's image.rgb2yuv, which neural_style.lua's original_colors uses (colours.py).
_RGB_TO_YUV = torch.from_numpy(RGB_TO_YUV)
_YUV_TO_RGB = torch.linalg.inv(_RGB_TO_YUV)


def _apply(matrix: torch.Tensor, rgb: torch.Tensor) -> torch.Tensor:
    return torch.einsum("ij,njhw->nihw", matrix.to(rgb), rgb)


def match_luminance(generated: torch.Tensor, photo: torch.Tensor) -> torch.Tensor:
    """Keep the luminance (Y) of ``generated`` and the chroma (U, V) of ``photo`` (same size, RGB [0, 1])."""
    yuv = _apply(_RGB_TO_YUV, photo)
    yuv = torch.cat([_apply(_RGB_TO_YUV, generated)[:, :1], yuv[:, 1:]], dim=1)
    return _apply(_YUV_TO_RGB, yuv)
