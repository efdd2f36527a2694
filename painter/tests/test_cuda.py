"""The CUDA path (channels_last network, TF32, cudnn.benchmark, the GPU memory check).

Skipped where no CUDA device is present, CI included (CI has no GPU): run on a GPU host with
``pytest painter/tests/test_cuda.py``. bench/README.md records the last run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from PIL import Image

from painter import InsufficientMemory, PassSpec, Progress, Recipe, Upscale, recipe_preset, render

from .conftest import LeanObjectiveFactory

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")


def test_cuda_gradient_in_channels_last_equals_the_cpu_one(lean_objective: LeanObjectiveFactory) -> None:
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    try:
        cpu_objective, cpu_start = lean_objective("cpu", torch.contiguous_format)
        gpu_objective, gpu_start = lean_objective("cuda", torch.channels_last)
        cpu_terms, cpu_grad = cpu_objective(cpu_start)
        gpu_terms, gpu_grad = gpu_objective(gpu_start)
    finally:
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cuda.matmul.allow_tf32 = True
    assert gpu_terms.total.item() == pytest.approx(cpu_terms.total.item(), rel=1e-4)
    assert (gpu_grad.cpu() - cpu_grad).abs().max() <= 1e-3 * cpu_grad.abs().max()


def test_a_two_pass_render_with_waifu2x_runs_on_cuda(
    photo: Image.Image, painting: Image.Image, waifu2x_dir: Path
) -> None:
    quick = recipe_preset("quick")
    recipe = replace(
        quick,
        passes=tuple(replace(p, size=s, iterations=20) for p, s in zip(quick.passes, (64, 96), strict=True)),
        upscale=Upscale(method="waifu2x", noise=2),
    )
    losses: list[float] = []
    result = render(
        photo, [painting], recipe, device="cuda", waifu2x_dir=waifu2x_dir, progress=lambda p: losses.append(p.loss)
    )
    assert result.hd.size == (192, 144)
    assert result.stats["device"].startswith("cuda")
    assert 0 < result.stats["peak_memory_bytes"] < 2 * 2**30
    first_pass = losses[:20]
    assert first_pass[-1] < 0.5 * first_pass[0]


def test_the_gpu_memory_check_refuses_a_pass_that_cannot_fit(photo: Image.Image, painting: Image.Image) -> None:
    recipe = Recipe(passes=(PassSpec(size=64, iterations=1),), upscale=Upscale(method="none"))
    with pytest.raises(InsufficientMemory, match="needs about"):
        render(photo, [painting], recipe, device="cuda", memory_limit_bytes=1024)


def test_a_recorded_cuda_graph_gives_the_direct_evaluation(lean_objective: LeanObjectiveFactory) -> None:
    from painter.speed.graphs import CudaGraphRecorder, ReplayedEvaluation

    objective, start = lean_objective("cuda", torch.channels_last)
    recorded = ReplayedEvaluation(objective, start, CudaGraphRecorder())
    for scale in (1.0, 0.5, 1.0):  # replays with different images, the first one again last
        image = (start * scale).contiguous(memory_format=torch.channels_last)
        terms, grad = objective(image)
        replay_terms, replay_grad = recorded(image)
        assert replay_terms.total.item() == pytest.approx(terms.total.item(), rel=1e-5)
        assert (replay_grad - grad).abs().max() <= 1e-4 * grad.abs().max()


def test_a_render_with_cuda_graphs_matches_one_without(
    monkeypatch: pytest.MonkeyPatch, photo: Image.Image, painting: Image.Image
) -> None:
    recipe = Recipe(passes=(PassSpec(size=64, iterations=20, seed=0),), upscale=Upscale(method="none"))
    losses: dict[str, list[float]] = {"direct": [], "graphs": []}
    for graphs, seen in (("0", losses["direct"]), ("1", losses["graphs"])):
        monkeypatch.setenv("PICMATIX_CUDA_GRAPHS", graphs)
        render(photo, [painting], recipe, device="cuda", progress=_appender(seen))
    assert len(losses["graphs"]) == len(losses["direct"]) == 20
    # The exact start's two evaluations run before any recording: the same code on the same images.
    assert losses["graphs"][:2] == pytest.approx(losses["direct"][:2], rel=1e-5)
    # The first replay evaluates the image the direct pass evaluates third. They differ by rounding:
    # cuDNN's algorithms for a recording are not always those it picks outside one. L-BFGS without a
    # line search then amplifies that as any change of rounding (bench/cuda_trajectories.py), so the
    # two passes end close, not equal.
    assert losses["graphs"][2] == pytest.approx(losses["direct"][2], rel=1e-3)
    assert losses["graphs"][-1] == pytest.approx(losses["direct"][-1], rel=0.1)
    assert losses["graphs"][-1] < 0.1 * losses["graphs"][0]


def test_a_pass_without_tf32_renders_in_full_fp32_and_puts_the_flags_back() -> None:
    from painter.precision import pass_arithmetic

    before = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    with pass_arithmetic(tf32=False, bf16="off"):
        assert not torch.backends.cudnn.allow_tf32
        assert not torch.backends.cuda.matmul.allow_tf32
    assert (torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32) == before


@pytest.mark.parametrize(("mode", "loss_within", "gradient_within"), [("backward", 1e-4, 2e-2), ("all", 2e-2, 1e-1)])
def test_bf16_convolutions_on_cuda_stay_near_full_precision(
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
    loss_within: float,
    gradient_within: float,
    lean_objective: LeanObjectiveFactory,
) -> None:
    from painter.precision import full_precision, pass_arithmetic

    with full_precision():
        objective, start = lean_objective("cuda", torch.channels_last)
        exact_terms, exact_grad = objective(start)
    # TF32 off, as in full_precision(): bf16 must be the only difference (with cuDNN's TF32 on the
    # forward convolutions, "backward" moved the loss far more).
    with pass_arithmetic(tf32=False, bf16=mode):
        objective, start = lean_objective("cuda", torch.channels_last)
        terms, grad = objective(start)
    assert grad.dtype == torch.float32
    assert terms.total.item() == pytest.approx(exact_terms.total.item(), rel=loss_within)
    assert 1e-4 < float((grad - exact_grad).norm() / exact_grad.norm()) < gradient_within


def test_bf16_under_cuda_graphs_replays_what_it_evaluates(
    monkeypatch: pytest.MonkeyPatch, lean_objective: LeanObjectiveFactory
) -> None:
    from painter.precision import pass_arithmetic
    from painter.speed.graphs import CudaGraphRecorder, ReplayedEvaluation

    with pass_arithmetic(tf32=True, bf16="all"):
        objective, start = lean_objective("cuda", torch.channels_last)
        recorded = ReplayedEvaluation(objective, start, CudaGraphRecorder())
        image = (start * 0.5).contiguous(memory_format=torch.channels_last)
        terms, grad = objective(image)
        replay_terms, replay_grad = recorded(image)
    assert replay_terms.total.item() == pytest.approx(terms.total.item(), rel=1e-5)
    assert (replay_grad - grad).abs().max() <= 1e-4 * grad.abs().max()


def _appender(seen: list[float]) -> Callable[[Progress], None]:
    return lambda progress: seen.append(progress.loss)


def test_compact_lbfgs_on_cuda_paints_what_torchs_paints(
    monkeypatch: pytest.MonkeyPatch, photo: Image.Image, painting: Image.Image
) -> None:
    losses: dict[str, list[float]] = {"torch": [], "compact": []}
    # In full fp32: under TF32 the first steps drift apart by TF32's rounding amplified by steps taken
    # without a line search; float64 agreement to rounding is painter/tests/test_lbfgs.py's. No guard:
    # torch's L-BFGS has none.
    for kind, seen in losses.items():
        spec = PassSpec(size=64, iterations=20, seed=0, keep_in_range=True, tf32=False)
        spec = replace(spec, lbfgs_kind=kind, lbfgs_guard=None)
        recipe = Recipe(passes=(spec,), upscale=Upscale(method="none"))
        render(photo, [painting], recipe, device="cuda", progress=_appender(seen))
    assert len(losses["compact"]) == len(losses["torch"]) == 20
    assert losses["compact"][:6] == pytest.approx(losses["torch"][:6], rel=1e-3)
    assert losses["compact"][-1] < 0.5 * losses["compact"][0]
