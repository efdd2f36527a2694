"""Several jobs' renders in one batch: each pass of B jobs in one network pass per iteration.

On a GPU the network is not what sets a pass's pace: on an H100 a 350 px iteration runs about 0.3 ms
of arithmetic in 6 ms (kernel launches, with CUDA graphs), a 960 px one about 2 ms in 14 ms
(bench/README.md, "GPU run, 2026-11-27"). A batch of B images costs the same launches as one, so when
several jobs wait, a worker can paint them together. On a CPU the network is the pace; batching gains
nothing there and runs torch's own convolutions instead of the paths measured for one image.

Each job keeps its own painting: its own targets, its own start, its own optimiser and history
(CompactLBFGS, driven through ``evaluations()`` with its slice of one batched evaluation), so a job
painted in a batch is the painting it would have been alone, to the rounding of batched convolutions
(rendering/engine/tests/test_batch.py compares them). The jobs of one batch must have the same size at
every pass (photos of one aspect ratio, the same recipe); rendering.engine.pipeline.render_batch groups
what it is given into such batches.

A job whose progress callback cancels it (or whose inputs fail their checks) fails alone: the others go
on. Its image stays in the batch until the pass ends, unchanged, so the shapes stay those recorded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import torch
from PIL import Image

from .backprop import LeanObjective
from .errors import EngineError
from .graphs import Evaluation, pass_evaluation
from .images import match_luminance
from .lbfgs import CompactLBFGS, guard_from_env
from .losses import LossTerms
from .recipe import PassSpec
from .transfer import (
    IterationCallback,
    PassOutcome,
    initial_image,
    lbfgs_options,
    pass_sizes,
    pass_targets,
    seeded_generator,
)
from .vgg import FeatureNet, WeightSource

__all__ = ["BatchPassItem", "run_pass_batch"]


@dataclass(frozen=True)
class BatchPassItem:
    """One job's part of a batched pass: what :func:`~rendering.engine.transfer.run_pass` takes for it."""

    content: Image.Image
    styles: Sequence[Image.Image]
    previous: torch.Tensor | None = None
    on_iteration: IterationCallback | None = None


def _pick(value: torch.Tensor, index: int) -> torch.Tensor:
    return value if value.dim() == 0 else value[index]


def _terms(terms: LossTerms, index: int) -> LossTerms:
    return LossTerms(*(_pick(t, index) for t in (terms.total, terms.content, terms.style, terms.tv)))


def _batched_objective(net: FeatureNet, spec: PassSpec, objectives: Sequence[LeanObjective]) -> LeanObjective:
    """One objective for the batch: each job's content maps and Gram targets stacked in batch order."""
    if len(objectives) == 1:
        return objectives[0]
    first = objectives[0]
    return LeanObjective(
        net,
        content={name: torch.cat([o.content[name] for o in objectives]) for name in first.content},
        style={name: torch.stack([o.style[name] for o in objectives]) for name in first.style},
        content_weight=spec.content_weight,
        style_weight=spec.style_weight,
        tv_weight=spec.tv_weight,
        normalize_gradients=spec.normalize_gradients,
    )


class _Jobs:
    """The batch's images (one tensor, a view per job) and each job's progress: what the optimisers and
    the callbacks see of it."""

    def __init__(self, x: torch.Tensor, source: WeightSource, items: Sequence[BatchPassItem]) -> None:
        self.x = x
        self.source = source
        self.items = items
        self.slices = [x[i : i + 1] for i in range(len(items))]  # views: each optimiser steps its own
        self.evaluations = [0] * len(items)
        self.failures: dict[int, Exception] = {}

    def rgb(self, index: int) -> Callable[[], torch.Tensor]:
        return lambda: self.source.deprocess(self.slices[index]).clamp(0.0, 1.0)

    def into_range(self, index: int) -> Callable[[], None]:
        def project() -> None:
            self.slices[index].copy_(self.source.preprocess(self.rgb(index)()))

        return project

    def report(self, index: int, terms: LossTerms) -> bool:
        """Count the job's evaluation and call its progress callback; False once the job has failed.
        Whatever the callback raises fails its job only (a worker's time limit, say, is not an EngineError)."""
        self.evaluations[index] += 1
        callback = self.items[index].on_iteration
        if callback is None:
            return True
        try:
            callback(self.evaluations[index], _terms(terms, index), self.rgb(index))
        except Exception as exc:
            self.failures[index] = exc
            return False
        return True


def run_pass_batch(
    net: FeatureNet,
    source: WeightSource,
    spec: PassSpec,
    items: Sequence[BatchPassItem],
    *,
    device: torch.device | str = "cpu",
) -> list[PassOutcome | Exception]:
    """One pass of several jobs, in item order: each one's outcome, or what its progress callback raised
    (RenderCancelled, say), which stopped that job alone."""
    if not items:
        return []
    started = time.perf_counter()
    device = torch.device(device)
    sizes = {pass_sizes(spec, item.content, item.styles)[0] for item in items}
    if len(sizes) != 1:
        raise EngineError(f"a batch's photos must have one size at {spec.size} px, not {sorted(sizes)}")
    # A CPU's convolution paths are measured for one image; a batch of several runs torch's own.
    targets = [
        pass_targets(net, source, spec, content=i.content, styles=i.styles, device=device, tune=len(items) == 1)
        for i in items
    ]
    memory_format = targets[0].memory_format
    objective = _batched_objective(net, spec, [t.objective for t in targets])
    starts = [
        initial_image(spec, t.photo, item.previous, source, seeded_generator(spec.seed, device))
        for t, item in zip(targets, items, strict=True)
    ]
    jobs = _Jobs(torch.cat(starts).contiguous(), source, items)
    x = jobs.x
    with torch.no_grad():
        projections = [jobs.into_range(i) if spec.keep_in_range else None for i in range(len(items))]
        for project in projections:
            if project is not None:
                project()
        recorded = pass_evaluation(objective, device, lbfgs=spec.optimizer == "lbfgs")
        evaluate_all = partial(_evaluate, recorded, x, memory_format)
        if spec.optimizer == "lbfgs":
            _lbfgs_batch(spec, jobs.slices, projections, evaluate_all, jobs.report)
        else:
            _adam_batch(spec, x, projections, evaluate_all, jobs.report)
        del recorded, evaluate_all  # a recording's memory goes back before the next pass
        rgb = source.deprocess(x).clamp(0.0, 1.0).contiguous()
        if spec.original_colors:
            rgb = torch.cat([match_luminance(rgb[i : i + 1], t.photo).clamp_(0.0, 1.0) for i, t in enumerate(targets)])
        # The losses of the images returned, as run_pass reports them: one more (batched) evaluation.
        last, _ = objective(targets[0].network_input(source, rgb))
    seconds = time.perf_counter() - started
    values = torch.stack([last.total, last.content, last.style, last.tv]).reshape(4, -1).tolist()
    outcomes: list[PassOutcome | Exception] = []
    for i in range(len(items)):
        failure = jobs.failures.get(i)
        if failure is not None:
            outcomes.append(failure)
            continue
        total, content, style, tv = (row[i] for row in values)
        outcomes.append(
            PassOutcome(
                image=rgb[i : i + 1].clone(),
                iterations=jobs.evaluations[i],
                seconds=seconds,
                loss=total,
                content_loss=content,
                style_loss=style,
                tv_loss=tv,
            )
        )
    return outcomes


def _evaluate(
    recorded: Evaluation, x: torch.Tensor, memory_format: torch.memory_format
) -> tuple[LossTerms, torch.Tensor]:
    terms, grad = recorded(x.contiguous(memory_format=memory_format))
    return terms, grad.contiguous()


def _lbfgs_batch(
    spec: PassSpec,
    slices: Sequence[torch.Tensor],
    projections: Sequence[Callable[[], None] | None],
    evaluate_all: Callable[[], tuple[LossTerms, torch.Tensor]],
    report: Callable[[int, LossTerms], bool],
) -> None:
    """Each job's CompactLBFGS (the recipes' settings: transfer.lbfgs_options), fed one batched
    evaluation per iteration until every one of them is done."""
    guard = guard_from_env()
    runs = []
    for image, project in zip(slices, projections, strict=True):
        optimizer = CompactLBFGS([image], into_range=project, guard=guard, **lbfgs_options(spec))
        run = optimizer.evaluations()
        next(run)
        runs.append(run)
    active = set(range(len(runs)))
    while active:
        terms, grad = evaluate_all()
        for i in sorted(active):
            if not report(i, terms):
                active.discard(i)
                continue
            try:
                runs[i].send((_pick(terms.total, i), grad[i].reshape(-1).clone()))
            except StopIteration:
                active.discard(i)


def _adam_batch(
    spec: PassSpec,
    x: torch.Tensor,
    projections: Sequence[Callable[[], None] | None],
    evaluate_all: Callable[[], tuple[LossTerms, torch.Tensor]],
    report: Callable[[int, LossTerms], bool],
) -> None:
    """Adam on the whole batch: its update is element by element, so each job's is its own."""
    x.requires_grad_(True)
    optimizer = torch.optim.Adam([x], lr=spec.learning_rate)
    active = set(range(x.shape[0]))
    for _ in range(spec.iterations):
        terms, grad = evaluate_all()
        for i in sorted(active):
            if not report(i, terms):
                active.discard(i)
        x.grad = grad
        optimizer.step()
        for project in projections:
            if project is not None:
                project()
    x.requires_grad_(False)
