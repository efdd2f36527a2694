"""The speed work behind one seam: how fast a device computes a pass's pixels, never which pixels.

    speed = backend_for(device)      # once per device
    net = speed.network(net)         # its convolutions and layout
    with speed.making_targets(net, spec, size, style_dims): ...
    evaluate = speed.evaluation(speed.objective(net, ...), exact_start=spec.exact_start)

The Gatys pass (painter.transfer) and the render around it (painter.pipeline, painter.score) import
this package only; its modules are this layer's own.
"""

from __future__ import annotations

import functools

import torch

from .backend import SpeedBackend
from .cpu import CpuBackend
from .cuda import CudaBackend

__all__ = ["SpeedBackend", "backend_for"]


def backend_for(device: torch.device | str) -> SpeedBackend:
    """The speed work for ``device``: a GPU's, or a CPU's for any other."""
    return _backend(torch.device(device))


@functools.cache
def _backend(device: torch.device) -> SpeedBackend:
    if device.type == "cuda":
        return CudaBackend(device)
    return CpuBackend(device)
