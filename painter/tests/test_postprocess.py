"""Colour finishing: auto-levels like ImageMagick -normalize, -modulate, contrast, smoothing."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from painter import PostProcess
from painter.postprocess import auto_levels, bilateral, contrast, modulate, post_process


def test_auto_levels_clip_two_percent_to_black_and_one_percent_to_white() -> None:
    grey_ramp = torch.linspace(0.2, 0.6, 10_000).view(1, 100, 100).expand(3, 100, 100)
    out = auto_levels(grey_ramp, 2.0, 1.0)
    black = float((out[0] <= 1e-6).float().mean())
    white = float((out[0] >= 1 - 1e-6).float().mean())
    assert 0.019 <= black <= 0.021
    assert 0.009 <= white <= 0.011
    # In between, a straight line: the middle of the ramp lands in the middle.
    assert float(out[0].flatten()[5000]) == pytest.approx(0.5, abs=0.02)


def test_auto_levels_move_all_channels_together() -> None:
    values = torch.linspace(0.2, 0.6, 400).view(1, 20, 20)
    tinted = torch.cat([values, values * 0.9, values * 0.8])
    out = auto_levels(tinted)
    # One linear map for all channels: channel differences scale by the same factor everywhere.
    ratio = (out[0] - out[1]) / (tinted[0] - tinted[1])
    inside = (out > 0.01).all(0) & (out < 0.99).all(0)
    assert float(ratio[inside].std()) < 1e-3


def test_auto_levels_leave_a_flat_image_alone() -> None:
    flat = torch.full((3, 8, 8), 0.4)
    assert torch.equal(auto_levels(flat), flat)


def test_modulate_at_100_percent_is_the_identity_and_saturation_0_is_grey() -> None:
    rgb = torch.rand(3, 16, 16, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(modulate(rgb, 100, 100), rgb, atol=1e-5)
    grey = modulate(rgb, 100, 0)
    assert torch.allclose(grey[0], grey[1])
    assert torch.allclose(grey[1], grey[2])
    # HSL lightness (max + min) / 2 is kept when only saturation changes.
    assert torch.allclose(grey[0], (rgb.amax(0) + rgb.amin(0)) / 2, atol=1e-5)


def test_modulate_saturation_keeps_the_hue() -> None:
    rgb = torch.tensor([0.6, 0.4, 0.3]).view(3, 1, 1)
    more = modulate(rgb, 100, 150)
    # Same hue: the channels keep their order and the ratio of their distances from the minimum.
    hue_before = (rgb[1] - rgb[2]) / (rgb[0] - rgb[2])
    hue_after = (more[1] - more[2]) / (more[0] - more[2])
    assert torch.allclose(hue_before, hue_after, atol=1e-5)
    assert float(more[0] - more[2]) > float(rgb[0] - rgb[2])
    darker = modulate(rgb, 50, 100)
    assert float(darker.mean()) < float(rgb.mean())


def test_contrast_steepens_around_mid_grey() -> None:
    rgb = torch.rand(3, 16, 16, generator=torch.Generator().manual_seed(1))
    assert torch.allclose(contrast(rgb, 0.0), rgb)
    assert float(contrast(rgb, 40.0).std()) > float(rgb.std())
    assert float(contrast(rgb, -40.0).std()) < float(rgb.std())


def test_bilateral_smoothing_keeps_edges_and_removes_noise() -> None:
    generator = torch.Generator().manual_seed(2)
    step = torch.zeros(3, 32, 32)
    step[:, :, 16:] = 1.0
    noisy = (step + 0.02 * torch.randn(3, 32, 32, generator=generator)).clamp(0, 1)
    smooth = bilateral(noisy, 2, 0.1)
    flat = smooth[:, 4:28, 2:12]
    assert float(flat.std()) < 0.6 * float(noisy[:, 4:28, 2:12].std())
    assert float(smooth[:, :, 15].mean()) < 0.1
    assert float(smooth[:, :, 16].mean()) > 0.9


def test_post_process_disabled_returns_the_image_untouched() -> None:
    image = Image.new("RGB", (10, 10), (10, 20, 30))
    assert post_process(image, PostProcess(enabled=False)) is image
    finished = post_process(image.copy(), PostProcess(saturation=0.0, auto_levels=False))
    assert len(set(finished.getpixel((0, 0)))) == 1
