"""The seam between the Gatys pass and a device's speed work: what every device does, and what each may
do differently, as long as the pixels stay the same."""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Iterator, Sequence

import torch

from ..losses import Evaluation
from ..precision import ExactStart
from ..recipe import PassSpec
from ..vgg import FeatureNet
from . import memory
from .backprop import LeanObjective

__all__ = ["SpeedBackend"]


class SpeedBackend:
    """How one device computes a pass: its network's convolutions and input layout, the objective's
    evaluation, the memory policy around a pass and the recording of its evaluations. Chosen once per
    device (``painter.speed.backend_for``); this base class is what any device does."""

    #: The layout the network's input takes on this device.
    memory_format: torch.memory_format = torch.contiguous_format
    #: Whether a pass's arithmetic can be coarser than float32 here (TF32, bf16): where it cannot, a
    #: recipe's exact start has nothing to make exact.
    reduced_precision = False

    def __init__(self, device: torch.device) -> None:
        self.device = device

    def network(self, net: FeatureNet) -> FeatureNet:
        """``net`` set up to run on this device (its convolutions, its layout); idempotent."""
        return net

    def objective(self, net: FeatureNet, **settings: object) -> LeanObjective:
        """The pass's loss and gradient (painter.losses' settings), with a backward pass that keeps only
        what it reads: the numbers of :class:`~painter.losses.GatysObjective` in far less memory."""
        return LeanObjective(net, **settings)

    def pass_bytes(self, spec: PassSpec, size: tuple[int, int], style_dims: Sequence[tuple[int, int]]) -> int:
        """What a pass of ``spec`` at ``size`` (width, height) needs, its paintings at ``style_dims``."""
        width, height = size
        return memory.estimate_pass_bytes(
            height,
            width,
            content_layers=spec.content_layers,
            style_layers=spec.style_layers,
            style_sizes=[(h, w) for w, h in style_dims],
            optimizer=spec.optimizer,
            lbfgs_history=spec.lbfgs_history,
            device_type=self.device.type,
        )

    def require_memory(self, needed: int, *, limit: int | None, what: str) -> None:
        """InsufficientMemory when ``needed`` bytes pass ``limit`` (when given) or the device's free memory."""
        memory.require_memory(needed, self.device, limit=limit, what=what)

    def peak_memory_bytes(self) -> int:
        return memory.peak_memory_bytes(self.device)

    def reset_peak_memory(self) -> None:
        """Start the device's high-water mark again (where it can be)."""

    def start_pass(self, spec: PassSpec, size: tuple[int, int], style_dims: Sequence[tuple[int, int]]) -> None:
        """Before a pass allocates anything."""

    @contextlib.contextmanager
    def making_targets(
        self,
        net: FeatureNet,
        spec: PassSpec,
        size: tuple[int, int],
        style_dims: Sequence[tuple[int, int]],
        *,
        tune: bool = True,
    ) -> Iterator[None]:
        """Around the making of a pass's targets (``tune``: the speed work may first prepare for a pass
        of this size)."""
        yield

    @contextlib.contextmanager
    def without_measuring(self) -> Iterator[None]:
        """Around work done once (a score's evaluation), which no speed choice should be timed for."""
        yield

    def capture(self, evaluate: Evaluation, example: torch.Tensor) -> Evaluation:
        """``evaluate``, possibly recorded for replay (shaped as ``example``): the same results."""
        return evaluate

    def evaluation(self, evaluate: Evaluation, *, exact_start: int) -> Evaluation:
        """The pass's evaluation as the optimiser calls it: its first ``exact_start`` calls in full
        float32 where the arithmetic can be coarser, the later ones through :meth:`capture`."""
        exact = exact_start if self.reduced_precision else 0
        return ExactStart(evaluate, exact, later=self.capture)

    def choose_paths(
        self,
        net: FeatureNet,
        content_layers: Collection[str],
        style_layers: Collection[str],
        pass_sides: Collection[int],
    ) -> dict[str, str]:
        """At a worker's start: prepare what passes of these long sides would prepare on first use;
        returns the plan kept per side (nothing to prepare: empty)."""
        return {}

    def synchronize(self) -> None:
        """Wait for the device's queued work."""
