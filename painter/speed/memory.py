"""How much memory one pass needs, and how much the device has: refuse early instead of dying midway."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import resource
import sys
from collections.abc import Collection
from pathlib import Path

import torch

from ..errors import InsufficientMemory
from ..layers import LAYER_NAMES, LAYER_PLAN
from ..vgg import last_layer
from . import convpath
from .convpath import WINOGRAD_MIN_CHANNELS
from .cpu_convs import nnpack_usable, nnpack_workspace_bytes, nnpack_workspace_limit

__all__ = [
    "allocator_for_pass",
    "available_bytes",
    "estimate_pass_bytes",
    "format_bytes",
    "peak_memory_bytes",
    "require_memory",
    "return_free_memory",
]

_FLOAT = 4
_BYTE = 1  # ReLU masks (painter.speed.backprop)
_INDEX = 4  # max-pool indices, kept as int32
# Allocator slack and transient buffers (strips, masks being made, a layer's loss temporaries).
_SLACK = 1.15
_FIXED = 64 * 2**20


def _activation_bytes(height: int, width: int, last: str, read: Collection[str]) -> tuple[int, int]:
    """(bytes the forward pass keeps for the backward, largest single activation) up to ``last``.

    As painter.speed.backprop keeps them: float32 activations only where a loss reads them, one
    byte per value for every other ReLU (its mask) except one right before a pool, whose mask the pool
    keeps at a quarter of the size, and an int64 index per max-pool output.
    """
    kept = 0
    largest = 0
    h, w = height, width
    plan = LAYER_PLAN[: LAYER_NAMES.index(last) + 1]
    for index, (name, kind, _, c_out) in enumerate(plan):
        if kind == "pool":
            h, w = h // 2, w // 2
        size = c_out * h * w
        previous = plan[index - 1][0] if index else ""
        before_pool = index + 1 < len(plan) and plan[index + 1][1] == "pool"
        if name in read:
            kept += size * _FLOAT
        if kind == "pool":
            kept += size * (_INDEX + _BYTE)
        elif kind == "relu" and name not in read and previous not in read and not before_pool:
            kept += size * _BYTE
        largest = max(largest, size * _FLOAT)
    return kept, largest


def _largest_winograd_workspace(height: int, width: int, last: str) -> int:
    h, w, largest = height, width, 0
    for _, kind, c_in, c_out in LAYER_PLAN[: LAYER_NAMES.index(last) + 1]:
        if kind == "pool":
            h, w = h // 2, w // 2
        elif kind == "conv":
            largest = max(largest, nnpack_workspace_bytes(c_in, c_out, h, w))
    return largest


def _weight_bytes(last: str) -> int:
    return sum(
        (c_out * c_in * 9 + c_out) * _FLOAT
        for _, kind, c_in, c_out in LAYER_PLAN[: LAYER_NAMES.index(last) + 1]
        if kind == "conv"
    )


def _winograd_weight_bytes(height: int, width: int, last: str) -> int:
    """The Winograd path's transformed weights (36 values per 3x3 kernel: four times the weights) of the
    layers that will run it at this size: those the kept (or forced) choices give it, or, before any
    choice is made (the measurement makes them all), every layer wide enough."""
    paths = convpath.layer_paths(height, width, last)
    return sum(
        c_out * c_in * 36 * _FLOAT
        for name, kind, c_in, c_out in LAYER_PLAN[: LAYER_NAMES.index(last) + 1]
        if kind == "conv"
        and min(c_in, c_out) >= WINOGRAD_MIN_CHANNELS
        and {"winograd", "-"} & set(paths[name].values())
    )


def estimate_pass_bytes(
    height: int,
    width: int,
    *,
    content_layers: Collection[str],
    style_layers: Collection[str],
    style_sizes: Collection[tuple[int, int]] = (),
    optimizer: str = "lbfgs",
    lbfgs_history: int = 100,
    device_type: str = "cpu",
) -> int:
    """Bytes one pass needs at height x width: the truncated VGG's weights, the activations kept for one
    forward + backward, the gradients in flight, the targets, and the optimiser's state (L-BFGS keeps
    2 * history image-sized vectors, Adam 2). On the CPU, NNPACK's flipped weights, the Winograd path's
    transformed ones and a workspace (at most :func:`~painter.speed.cpu_convs.nnpack_workspace_limit`)
    come on top.

    Calibrated on a CPU against the peak of anonymous memory less torch's own, and meant to stay a
    little above it, so that a refusal is never too late."""
    read = set(content_layers) | set(style_layers)
    last = last_layer(read)
    numel = 3 * height * width
    kept, largest = _activation_bytes(height, width, last, read)
    # The backward pass holds a layer's incoming gradient; its outgoing one is added into a loss
    # layer's kept activations (overwritten by their own gradient), counted in ``kept`` already.
    backward = largest
    targets = 0
    h, w, c = height, width, 3
    for name, kind, _, c_out in LAYER_PLAN[: LAYER_NAMES.index(last) + 1]:
        if kind == "pool":
            h, w = h // 2, w // 2
        c = c_out
        if name in content_layers:
            targets += c * h * w * _FLOAT
        if name in style_layers:
            targets += c * c * _FLOAT
    # Targets are computed without a graph: two activations alive at a time, at the largest input.
    capture = max(
        [_activation_bytes(height, width, last, read)[1]]
        + [_activation_bytes(sh, sw, last, read)[1] for sh, sw in style_sizes]
    )
    # The image, its gradient, and L-BFGS's flat gradient, previous gradient, direction and step.
    state = 6 * numel * _FLOAT
    if optimizer == "lbfgs":
        state += 2 * lbfgs_history * numel * _FLOAT
    else:
        state += 2 * numel * _FLOAT
    peak = max(kept + backward, 2 * capture)
    weights = _weight_bytes(last)
    if device_type == "cpu":
        if nnpack_usable():
            weights *= 2  # the flipped copies for the input gradient
        weights += _winograd_weight_bytes(height, width, last)
        # A band workspace, NNPACK's or the Winograd path's, held to the same limit.
        peak += min(nnpack_workspace_limit(), _largest_winograd_workspace(height, width, last))
    return int((weights + targets + state + peak) * _SLACK) + _FIXED


# glibc's M_MMAP_THRESHOLD and M_TRIM_THRESHOLD (mallopt's parameter numbers).
_M_MMAP_THRESHOLD = -3
_M_TRIM_THRESHOLD = -1
_MMAP_THRESHOLD_BYTES = 2**20
# glibc's default trim threshold, which setting the mmap threshold freezes (it stops moving with it).
_DEFAULT_TRIM_BYTES = 128 * 2**10


# glibc's own ceiling for its moving threshold: below it, freed blocks stay in the heap for reuse.
_HEAP_THRESHOLD_BYTES = 32 * 2**20
#: Passes estimated above this return freed memory at once; smaller ones reuse the heap.
SMALL_PASS_BYTES = 2**30


@functools.lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    if os.environ.get("MALLOC_MMAP_THRESHOLD_") or not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt  # noqa: B018 - musl has no mallopt: treat it as no glibc
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def allocator_for_pass(pass_bytes: int) -> bool:
    """Set glibc's allocator for a pass that needs ``pass_bytes``: a large pass maps every allocation of
    1 MB or more on its own, so that freeing it returns it; a small one lets blocks up to 32 MB come
    back from the heap, already mapped. Returns whether glibc was tuned (skipped where the operator set
    MALLOC_MMAP_THRESHOLD_, and off glibc).

    By default glibc raises its threshold up to 32 MB as big blocks are freed, after which activations
    of 1 to 32 MB come from its heap, which fragments: a large pass then grows over its iterations;
    fixing the threshold at 1 MB keeps its peak where the arithmetic says, and the heap left by earlier
    passes is trimmed first. A small pass peaks far below any bound, and faulting in fresh pages for
    each of its activations is a sizeable share of its time, so it keeps the heap, and keeps it
    mapped: setting the mmap threshold also freezes glibc's trim threshold at 128 KB, so every free
    at the top of the heap would hand its pages back and the next activation fault them in again.
    An operator's MALLOC_TRIM_THRESHOLD_ is left alone.
    """
    libc = _libc()
    if libc is None:
        return False
    own_trim = not os.environ.get("MALLOC_TRIM_THRESHOLD_")
    if pass_bytes > SMALL_PASS_BYTES:
        if own_trim:
            libc.mallopt(_M_TRIM_THRESHOLD, _DEFAULT_TRIM_BYTES)
        libc.malloc_trim(0)
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_BYTES))
    if own_trim:
        libc.mallopt(_M_TRIM_THRESHOLD, SMALL_PASS_BYTES)
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, _HEAP_THRESHOLD_BYTES))


def return_free_memory() -> bool:
    """Hand the heap's free pages back to the system (glibc's malloc_trim, every arena): after work
    whose temporaries the next pass will not reuse, such as the measuring of paths. Returns whether
    anything could be asked (off glibc, or with the operator's MALLOC_MMAP_THRESHOLD_, nothing is)."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True


def _cgroup_available() -> int | None:
    """Room left under a cgroup v2 / v1 memory limit (containers: /proc/meminfo shows the host)."""
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
    ):
        try:
            limit_text = Path(limit_file).read_text().strip()
            usage = int(Path(usage_file).read_text().strip())
        except (OSError, ValueError):
            continue
        if limit_text == "max" or int(limit_text) >= 2**60:
            return None
        return max(0, int(limit_text) - usage)
    return None


def _meminfo_available() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def available_bytes(device: torch.device) -> int | None:
    """Free memory on ``device`` (None where it cannot be told)."""
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        # Blocks cached by torch's allocator are free for us too.
        return int(free + torch.cuda.memory_reserved(device) - torch.cuda.memory_allocated(device))
    if device.type == "cpu":
        figures = [b for b in (_meminfo_available(), _cgroup_available()) if b is not None]
        return min(figures) if figures else None
    return None


def format_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"  # pragma: no cover


def require_memory(needed: int, device: torch.device, *, limit: int | None, what: str) -> None:
    """Raise InsufficientMemory when ``needed`` bytes exceed ``limit`` (when given) or the free memory."""
    available = limit if limit is not None else available_bytes(device)
    if available is None or needed <= available:
        return
    source = "the memory limit" if limit is not None else f"free on {device}"
    raise InsufficientMemory(
        f"{what} needs about {format_bytes(needed)} but only {format_bytes(available)} is {source}; "
        "lower the pass size (or lbfgs_history), or render on a bigger device",
        transient=limit is None,
    )


def peak_memory_bytes(device: torch.device) -> int:
    """High-water mark: torch's CUDA allocator peak, or the process's peak RSS on the CPU."""
    if device.type == "cuda":
        return int(torch.cuda.max_memory_allocated(device))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)  # Linux reports KiB, macOS bytes
