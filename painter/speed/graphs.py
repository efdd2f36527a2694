"""A pass's loss-and-gradient evaluation replayed as one CUDA graph (on a GPU unless ``PICMATIX_CUDA_GRAPHS=0``).

On a fast GPU a small pass is bound by kernel launches, not by its arithmetic. The evaluation is the
same sequence of kernels on tensors of the same
shapes every iteration, so it can be recorded once and replayed with one launch. What changes per
call is only the image: it is copied into the recording's fixed input, and the losses and gradient
come back in the recording's fixed outputs, which the next call overwrites. The optimisers read them
before the next call (L-BFGS copies the gradient when it flattens it; Adam steps before it evaluates
again); ``painter/tests/test_graphs.py`` checks exactly that aliasing on the CPU with a
recorder that re-runs the evaluation into the same buffers, and ``test_cuda.py`` the real recording.

A recording makes a small pass's evaluations faster and a large one's no slower, takes less GPU memory
than the ordinary pool, and paints what the pass paints without it. So on by default;
``PICMATIX_CUDA_GRAPHS=0`` turns it off.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import torch

from .. import settings
from ..losses import Evaluation, LossTerms

__all__ = [
    "CudaGraphRecorder",
    "Evaluation",
    "Recorder",
    "ReplayedEvaluation",
    "cuda_graphs_enabled",
    "replayed",
]

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
