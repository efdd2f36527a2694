"""A pass's loss-and-gradient evaluation replayed as one CUDA graph (on a GPU unless ``PICMATIX_CUDA_GRAPHS=0``).

On an H100 the 350 px pass is bound by kernel launches: about 11 ms per iteration for about 0.3 ms of
arithmetic (bench/README.md). The evaluation is the same sequence of kernels on tensors of the same
shapes every iteration, so it can be recorded once and replayed with one launch. What changes per
call is only the image: it is copied into the recording's fixed input, and the losses and gradient
come back in the recording's fixed outputs, which the next call overwrites. The optimisers read them
before the next call (L-BFGS copies the gradient when it flattens it; Adam steps before it evaluates
again); ``painter/tests/test_graphs.py`` checks exactly that aliasing on the CPU with a
recorder that re-runs the evaluation into the same buffers, and ``test_cuda.py`` the real recording.

Measured on an H100 (bench/README.md, "GPU run, 2026-11-27"): the 350 px evaluation from 8 to 6 ms per
iteration, the 960 px one unchanged at 14 ms, peak GPU memory lower (300 -> 271 MB at 350 px, 1324 ->
938 MB at 960 px), and nimble's paintings on six pairs scored exactly as without graphs. So on by
default; ``PICMATIX_CUDA_GRAPHS=0`` turns it off.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import torch

from . import settings
from .losses import LossTerms
from .precision import full_precision

__all__ = [
    "CudaGraphRecorder",
    "Evaluation",
    "ExactStart",
    "Recorder",
    "ReplayedEvaluation",
    "cuda_graphs_enabled",
    "pass_evaluation",
    "replayed",
]

Evaluation = Callable[[torch.Tensor], tuple[LossTerms, torch.Tensor]]
Outputs = tuple[LossTerms, torch.Tensor]


def cuda_graphs_enabled() -> bool:
    """Whether each CUDA pass's evaluation is recorded as a graph: yes unless ``$PICMATIX_CUDA_GRAPHS=0``."""
    return settings.cuda_graphs()


class Recorder(Protocol):
    def record(self, run: Callable[[], Outputs]) -> Outputs:
        """Run ``run`` as it will be replayed; return its outputs, which each replay rewrites in place."""

    def replay(self) -> None: ...


class CudaGraphRecorder:
    """torch.cuda.CUDAGraph, recorded after ``warmup`` ordinary runs on a side stream (cuDNN and cuBLAS
    set up their workspaces on first use, which a recording must not contain)."""

    def __init__(self, warmup: int = 2) -> None:
        self.warmup = warmup
        self.graph: torch.cuda.CUDAGraph | None = None

    def record(self, run: Callable[[], Outputs]) -> Outputs:
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(self.warmup):
                run()
        torch.cuda.current_stream().wait_stream(side)
        # The warm-up's blocks stay in the ordinary pool, which the recording's private pool cannot
        # reuse: handing them back keeps the pass's peak GPU memory what it was without a graph.
        torch.cuda.empty_cache()
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph):
            outputs = run()
        return outputs

    def replay(self) -> None:
        assert self.graph is not None, "record first"
        self.graph.replay()


class ReplayedEvaluation:
    """``evaluate(image)`` through a recording: same results, one replay per call. The returned
    tensors are the recording's own and are overwritten by the next call."""

    def __init__(self, evaluate: Evaluation, example: torch.Tensor, recorder: Recorder) -> None:
        # Same shape, dtype and memory layout as every image the pass will pass in.
        self.input = example.detach().clone(memory_format=torch.preserve_format)
        self._recorder = recorder
        self.outputs = recorder.record(lambda: evaluate(self.input))

    def __call__(self, image: torch.Tensor) -> Outputs:
        if image.shape != self.input.shape or image.stride() != self.input.stride():
            raise ValueError("a recorded evaluation takes images of the shape and layout it was recorded with")
        self.input.copy_(image)
        self._recorder.replay()
        return self.outputs


def replayed(evaluate: Evaluation, example: torch.Tensor) -> Evaluation:
    """``evaluate`` recorded as a CUDA graph when ``example`` is on a GPU and graphs are turned on."""
    if example.device.type != "cuda" or not cuda_graphs_enabled():
        return evaluate
    return ReplayedEvaluation(evaluate, example, CudaGraphRecorder())


def pass_evaluation(evaluate: Evaluation, device: torch.device, *, exact_start: int) -> Evaluation:
    """A pass's evaluation as every pass runs it: on a GPU its first ``exact_start`` evaluations in
    full float32, then recorded where :func:`replayed` records. A CPU's arithmetic is float32 anyway.

    The first step of an L-BFGS pass is tiny (min(1, 1/|g|_1): at 960 px, 1e-8 of the gradient), so
    its first curvature pair is the difference of two nearly equal gradients; under TF32 that
    difference is mostly rounding, the pair tells L-BFGS a wrong curvature, and its steps can then
    throw the image far off. Exact first evaluations make that pair from float32 gradients. They run
    before the pass's recording, whose memory is taken only after them. (fp32's own rounding can
    still throw the step: the recipe's ``lbfgs_guard`` is what catches that.)"""
    return ExactStart(evaluate, exact_start if device.type == "cuda" else 0)


class ExactStart:
    """A pass's evaluation whose first ``exact`` calls run in full float32 (``full_precision``), and the
    later ones as :func:`replayed` makes them (recorded on the first of them, on its image: only the
    shape and layout of a recording's example matter)."""

    def __init__(self, evaluate: Evaluation, exact: int) -> None:
        self._evaluate = evaluate
        self._exact = exact
        self._calls = 0
        self._later: Evaluation | None = None

    def __call__(self, image: torch.Tensor) -> Outputs:
        self._calls += 1
        if self._calls <= self._exact:
            with full_precision():
                return self._evaluate(image)
        if self._later is None:
            self._later = replayed(self._evaluate, image)
        return self._later(image)
