"""The exact start of a GPU's L-BFGS passes (painter.precision.ExactStart, a pass's ``exact_start``)."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import torch

from painter import RecipeError, load_image, recipe_preset
from painter.losses import LossTerms
from painter.pipeline import feature_network
from painter.precision import ExactStart
from painter.speed import backend_for
from painter.transfer import run_pass
from painter.vgg import default_source

from .conftest import require_shared

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_a_gpu_pass_starts_exactly_as_its_recipe_says_and_a_cpu_pass_has_no_need() -> None:
    assert recipe_preset("nimble").passes[1].exact_start == 2
    assert backend_for("cuda").reduced_precision
    assert not backend_for("cpu").reduced_precision
    assert isinstance(backend_for("cpu").evaluation(_zero_evaluation, exact_start=2), ExactStart)


def test_a_negative_exact_start_is_refused_with_the_field_named() -> None:
    with pytest.raises(RecipeError, match=r"exact_start: must be an integer between 0 and"):
        replace(recipe_preset("nimble").passes[1], exact_start=-1)


def _zero_evaluation(image: torch.Tensor) -> tuple[LossTerms, torch.Tensor]:
    zero = image.sum() * 0
    return LossTerms(zero, zero, zero, zero), image


def test_the_first_evaluations_run_in_full_precision_then_the_recorded_one() -> None:
    seen: list[bool] = []

    def evaluate(image: torch.Tensor) -> tuple[LossTerms, torch.Tensor]:
        seen.append(torch.backends.cudnn.allow_tf32 or torch.backends.cuda.matmul.allow_tf32)
        zero = image.sum() * 0
        return LossTerms(zero, zero, zero, zero), image

    recorded: list[torch.Tensor] = []

    def record(evaluation: Any, example: torch.Tensor) -> Any:
        recorded.append(example)
        return evaluation

    # Flags of torch's backends (cuBLAS's is not an ordinary attribute): set and put back by hand.
    flags = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = True
    try:
        staged = ExactStart(evaluate, 2, later=record)
        images = [torch.full((1, 3, 2, 2), float(k)) for k in range(4)]
        for image in images:
            staged(image)
        assert torch.backends.cudnn.allow_tf32  # restored after each exact evaluation
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = flags
    assert seen == [False, False, True, True]
    assert len(recorded) == 1  # recorded once, on the first image after the exact ones
    assert torch.equal(recorded[0], images[2])


def test_an_exact_start_makes_a_tf32_pass_follow_the_unrounded_one(
    shared_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """nimble's pass 2 from its pass 1, with TF32's rounding emulated on the CPU (bench/tf32_emulation.py):
    the rounding changes the pass (one of the two runs has its first L-BFGS step thrown), and with the
    exact start the rounded pass follows the unrounded one.

    Which of the two is thrown is rounding's coin toss, not TF32's doing: it changes with the CPU and
    the convolution path, and on a GPU fp32 throws such steps as well. What cures a thrown step is
    compact L-BFGS's step guard (test_lbfgs.py). One convolution path, torch's own, so that the paths
    a CPU measures for itself cannot change the toss from run to run."""
    monkeypatch.setenv("PICMATIX_CONV_PATH", "onednn")
    sys.path.insert(0, str(BENCH))
    try:
        from tf32_emulation import exact_start as exact_start_on_cpu
        from tf32_emulation import rounding
    finally:
        sys.path.remove(str(BENCH))

    photo = load_image(require_shared(shared_dir / "images/content/tubingen.jpg"))
    painting = load_image(require_shared(shared_dir / "images/styles/starry_night.jpg"))
    first, second = recipe_preset("nimble").passes
    # torch's L-BFGS without a guard, as a CPU ran nimble before recipes recorded it: the guard would
    # undo the thrown step this test looks for.
    cpu = {"lbfgs_kind": "torch", "lbfgs_guard": None}
    first, second = replace(first, size=35, iterations=100, **cpu), replace(second, size=96, iterations=5, **cpu)
    layers = {name for spec in (first, second) for name in (*spec.content_layers, *spec.style_layers)}
    net, source = feature_network(layers, default_source(), torch.device("cpu"))
    start = run_pass(net, source, first, content=photo, styles=[painting]).image
    losses: dict[str, list[float]] = {}
    for mode, emulate, exact in (("plain", False, 0), ("tf32", True, 0), ("tf32-exact", True, 2)):
        seen = losses.setdefault(mode, [])

        def record(iteration: int, terms: LossTerms, rgb: Any, seen: list[float] = seen) -> None:
            seen.append(float(terms.total))

        with rounding(emulate), exact_start_on_cpu(exact):
            run_pass(net, source, second, content=photo, styles=[painting], previous=start, on_iteration=record)
    apart = max(max(a / b, b / a) for a, b in zip(losses["tf32"], losses["plain"], strict=True))
    assert apart > 1.1
    assert losses["tf32-exact"] == pytest.approx(losses["plain"], rel=1e-2)
