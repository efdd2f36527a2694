"""Colour finishing of a rendered image: smoothing, auto-levels, brightness/saturation, contrast.

Plain torch on (3, H, W) RGB tensors in [0, 1], so the same code runs on the render's device.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from PIL import Image

from .images import pil_to_tensor, tensor_to_pil
from .recipe import PostProcess

__all__ = ["auto_levels", "bilateral", "contrast", "modulate", "post_process", "post_process_tensor"]

# Rec. 601 luma, the "intensity" that the stretch is measured on (all channels then move together).
_LUMA = (0.299, 0.587, 0.114)


def auto_levels(rgb: torch.Tensor, black_percent: float = 2.0, white_percent: float = 1.0) -> torch.Tensor:
    """Stretch like ImageMagick's ``-normalize`` (= ``-contrast-stretch 2%x1%``, per its docs):
    the darkest ``black_percent`` % of pixels become black and the brightest ``white_percent`` % white.
    Channels are stretched together (by intensity), so hues do not shift."""
    luma = torch.tensor(_LUMA, dtype=rgb.dtype, device=rgb.device).view(3, 1, 1)
    intensity = (rgb * luma).sum(0).flatten()
    n = intensity.numel()
    low_k = min(n, max(1, math.floor(n * black_percent / 100.0)))
    high_k = min(n, max(1, math.ceil(n * (1.0 - white_percent / 100.0))))
    black = intensity.kthvalue(low_k).values if black_percent > 0 else intensity.new_tensor(0.0)
    white = intensity.kthvalue(high_k).values if white_percent > 0 else intensity.new_tensor(1.0)
    if float(white - black) <= 1e-6:  # a flat image: nothing to stretch
        return rgb
    return ((rgb - black) / (white - black)).clamp_(0.0, 1.0)


def modulate(rgb: torch.Tensor, brightness: float = 100.0, saturation: float = 100.0) -> torch.Tensor:
    """ImageMagick's ``-modulate brightness,saturation`` in HSL: scale L and S by the percentages.

    With the hue fixed, HSL -> RGB is rgb = min + C * h where C = max - min is the chroma and h in [0, 1]
    depends on the hue only; so h = (rgb - min) / C, and the new colour is L' - C'/2 + C' * h.
    """
    hi = rgb.amax(0, keepdim=True)
    lo = rgb.amin(0, keepdim=True)
    chroma = hi - lo
    lightness = (hi + lo) / 2
    span = 1 - (2 * lightness - 1).abs()  # the chroma a saturation of 1 would give at this lightness
    sat = torch.where(span > 1e-6, chroma / span.clamp_min(1e-6), torch.zeros_like(span)).clamp_(0, 1)
    hue_part = torch.where(chroma > 1e-6, (rgb - lo) / chroma.clamp_min(1e-6), torch.zeros_like(rgb))
    new_l = (lightness * (brightness / 100.0)).clamp_(0, 1)
    new_s = (sat * (saturation / 100.0)).clamp_(0, 1)
    new_c = new_s * (1 - (2 * new_l - 1).abs())
    return (new_l - new_c / 2 + new_c * hue_part).clamp_(0.0, 1.0)


def contrast(rgb: torch.Tensor, amount: float) -> torch.Tensor:
    """ImageMagick's ``-brightness-contrast 0x{amount}``: slope tan(pi * (amount + 100) / 400) about mid-grey."""
    slope = math.tan(math.pi * (min(amount, 99.9) + 100.0) / 400.0)
    return ((rgb - 0.5) * slope + 0.5).clamp_(0.0, 1.0)


def bilateral(rgb: torch.Tensor, radius: int, sigma_color: float) -> torch.Tensor:
    """Edge-preserving smoothing: a (2r+1)^2 bilateral filter, spatial sigma r, accumulated offset by
    offset so that memory stays a few images whatever the radius."""
    if radius <= 0:
        return rgb
    _, h, w = rgb.shape
    padded = F.pad(rgb[None], (radius,) * 4, mode="replicate")[0]
    total = torch.zeros_like(rgb)
    norm = torch.zeros_like(rgb[:1])
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            shifted = padded[:, radius + dy : radius + dy + h, radius + dx : radius + dx + w]
            spatial = math.exp(-(dx * dx + dy * dy) / (2.0 * radius * radius))
            weight = torch.exp(-(shifted - rgb).square().sum(0, keepdim=True) / (2 * sigma_color**2)) * spatial
            total += weight * shifted
            norm += weight
    return total / norm


def post_process_tensor(rgb: torch.Tensor, spec: PostProcess) -> torch.Tensor:
    """(3, H, W) RGB in [0, 1] -> finished (3, H, W); the identity when ``spec.enabled`` is false."""
    if not spec.enabled:
        return rgb
    out = rgb.float()
    out = bilateral(out, spec.smooth_radius, spec.smooth_sigma)
    if spec.auto_levels:
        out = auto_levels(out, spec.black_point, spec.white_point)
    if spec.brightness != 100.0 or spec.saturation != 100.0:
        out = modulate(out, spec.brightness, spec.saturation)
    if spec.contrast != 0.0:
        out = contrast(out, spec.contrast)
    return out


def post_process(image: Image.Image, spec: PostProcess, device: torch.device | str = "cpu") -> Image.Image:
    """The finishing steps of ``spec`` applied to an RGB image."""
    if not spec.enabled:
        return image
    return tensor_to_pil(post_process_tensor(pil_to_tensor(image, device)[0], spec))
