"""A CPU's speed work: the convolution path chosen per layer shape, and glibc's allocator and the
weights' cached copies managed around each pass."""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

import torch

from ..recipe import PassSpec
from ..vgg import Convolutions, FeatureNet, last_layer
from . import convpath, memory, tuning
from .backend import SpeedBackend
from .cpu_convs import CpuConvolutions

__all__ = ["CpuBackend"]


class CpuBackend(SpeedBackend):
    """float32 throughout, so nothing to make exact and nothing to record; each convolution on the path
    measured fastest on this machine (painter.speed.convpath, chosen per pass by painter.speed.tuning)."""

    def __init__(self, device: torch.device) -> None:
        super().__init__(device)
        self.convolutions: Convolutions = CpuConvolutions()

    def network(self, net: FeatureNet) -> FeatureNet:
        net.convolutions = self.convolutions
        return net

    def start_pass(self, spec: PassSpec, size: tuple[int, int], style_dims: Sequence[tuple[int, int]]) -> None:
        memory.allocator_for_pass(self.pass_bytes(spec, size, style_dims))

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
        """The convolution paths for this size are chosen first (once per machine) unless ``tune`` is
        false; the targets' own forwards then measure nothing."""
        width, height = size
        last = last_layer([*spec.content_layers, *spec.style_layers])
        self.network(net)
        if tune and net.convs[0].weight.dtype == torch.float32:
            # Under the pass's own estimate, so that the allocator stays as start_pass set it.
            pass_bytes = self.pass_bytes(spec, size, style_dims)
            tuning.tune_pass(net, height, width, spec.content_layers, spec.style_layers, pass_bytes=pass_bytes)
        # What an earlier pass or the measuring of paths left goes before this pass allocates.
        tuning.release_for_pass(net, height, width, last)
        with convpath.without_measuring():  # one forward each: not worth timing paths for
            yield
        # And what the paintings' forwards made: at their own sizes they may run other paths.
        tuning.release_for_pass(net, height, width, last)

    @contextlib.contextmanager
    def without_measuring(self) -> Iterator[None]:
        with convpath.without_measuring():
            yield

    def choose_paths(
        self,
        net: FeatureNet,
        content_layers: Collection[str],
        style_layers: Collection[str],
        pass_sides: Collection[int],
    ) -> dict[str, str]:
        """The convolution paths for passes of these long sides (4:3 photos; other crops of a similar
        area share the choice), which a machine measures once."""

        def tune() -> dict[str, str]:
            kept: dict[str, str] = {}
            for side in sorted(set(pass_sides)):
                plans = tuning.tune_pass(net, max(16, round(side * 3 / 4)), side, content_layers, style_layers)
                kept[str(side)] = tuning.kept_plan(plans) if plans else "kept"
            return kept

        # On a thread of its own that ends here: torch keeps NNPACK's workspace per thread until the
        # thread ends, so measuring NNPACK on the worker's own thread would leave that workspace to
        # every later pass, also where NNPACK won nothing.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="picmatix-conv-tuning") as tuner:
            return tuner.submit(tune).result()  # its errors are raised here
