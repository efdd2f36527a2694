"""VGG's 3x3 convolutions on a CPU through the path measured fastest for their shape (painter.speed.convpath).

The paths compute the same convolution in different orders of arithmetic: NNPACK's and this package's
Winograd transforms, and oneDNN on NCHW or channels-last tensors. Each keeps the copies of a layer's
weights it reads (flipped for the input gradient, transformed for Winograd) on the conv itself, and
keeps its temporaries to a workspace limit by running in horizontal bands.
"""

from __future__ import annotations

import functools
from collections.abc import Collection

import torch
import torch.nn.functional as F
from torch import nn

from .. import settings
from . import convpath, winograd
from .convpath import WINOGRAD_MIN_CHANNELS

__all__ = [
    "WEIGHT_COPIES",
    "CpuConvolutions",
    "conv_paths",
    "drop_winograd_weights",
    "flipped_weight",
    "keep_weight_copies",
    "nnpack_usable",
    "nnpack_workspace_bytes",
    "nnpack_workspace_limit",
    "run_forward",
    "run_input_grad",
    "winograd_weight",
]


@functools.lru_cache(maxsize=1)
def nnpack_usable() -> bool:
    """Whether NNPACK's convolutions can run (x86/ARM CPU builds of torch); ``PICMATIX_NNPACK=0`` turns
    them off. Asking torch also initialises NNPACK, without which its convolutions fail."""
    if not settings.nnpack():
        return False
    try:
        return bool(torch._nnpack_available())
    except (AttributeError, RuntimeError):
        return False


class _NnpackConv3x3(torch.autograd.Function):
    """3x3, stride 1, padding 1 convolution with fixed weights, both ways through NNPACK (Winograd).

    On a CPU, NNPACK's Winograd transform does the same convolution with about half the work of
    oneDNN's direct one. Torch only picks it for batches
    of 16 or more, and never for the backward pass; here the input gradient is itself such a
    convolution: grad_out convolved with the weights flipped in space and transposed in channels.
    """

    @staticmethod
    def forward(
        ctx: torch.autograd.function.FunctionCtx,
        x: torch.Tensor,
        weight: torch.Tensor,
        bias: torch.Tensor,
        flipped: torch.Tensor,
    ) -> torch.Tensor:
        ctx.save_for_backward(flipped)
        return _nnpack_conv(x, weight, bias)

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, grad: torch.Tensor) -> tuple[torch.Tensor, None, None, None]:
        (flipped,) = ctx.saved_tensors  # type: ignore[attr-defined]
        zero = grad.new_zeros(flipped.shape[0])
        return _nnpack_conv(grad.contiguous(), flipped, zero), None, None, None


class _WinogradConv3x3(torch.autograd.Function):
    """The same for the ``winograd`` path (painter.speed.winograd): its backward is the exact adjoint
    of its forward, from the same transformed weights."""

    @staticmethod
    def forward(
        ctx: torch.autograd.function.FunctionCtx, x: torch.Tensor, u: torch.Tensor, bias: torch.Tensor
    ) -> torch.Tensor:
        ctx.save_for_backward(u)
        return winograd.conv3x3(x, u, bias, workspace=nnpack_workspace_limit())

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, grad: torch.Tensor) -> tuple[torch.Tensor, None, None]:
        (u,) = ctx.saved_tensors  # type: ignore[attr-defined]
        return winograd.conv3x3_input_grad(grad, u, workspace=nnpack_workspace_limit()), None, None


def winograd_weight(conv: nn.Conv2d) -> torch.Tensor:
    """The Winograd-transformed weights (36 x C x K, four times the weights), made once per conv and
    dropped again by :func:`drop_winograd_weights` where the chosen paths do not use them."""
    cached: torch.Tensor | None = getattr(conv, "_picmatix_winograd", None)
    if cached is None or cached.device != conv.weight.device or cached.dtype != conv.weight.dtype:
        cached = winograd.transform_weight(conv.weight)
        conv._picmatix_winograd = cached
    return cached


def drop_winograd_weights(conv: nn.Conv2d) -> None:
    if hasattr(conv, "_picmatix_winograd"):
        del conv._picmatix_winograd


def _flipped(weight: torch.Tensor) -> torch.Tensor:
    return weight.detach().flip(2, 3).transpose(0, 1).contiguous()


def flipped_weight(conv: nn.Conv2d) -> torch.Tensor:
    """The weights of the input-gradient convolution (flipped in space, channels swapped), made once per
    conv: rebuilding them every backward pass is a measurable share of an iteration."""
    cached: torch.Tensor | None = getattr(conv, "_picmatix_flipped", None)
    if cached is None or cached.device != conv.weight.device or cached.dtype != conv.weight.dtype:
        cached = _flipped(conv.weight)
        conv._picmatix_flipped = cached
    return cached


# The copies of a conv's weights that the paths cache on it, and the (direction, path) pairs that read
# each. Each is made again on first use, so dropping one is always safe.
WEIGHT_COPIES: dict[str, frozenset[tuple[str, str]]] = {
    "_picmatix_flipped": frozenset({("forward", "nnpack"), ("backward", "nnpack"), ("backward", "onednn")}),
    "_picmatix_nhwc": frozenset({("forward", "channels_last")}),
    "_picmatix_flipped_nhwc": frozenset({("backward", "channels_last")}),
    "_picmatix_winograd": frozenset({("forward", "winograd"), ("backward", "winograd")}),
}


def keep_weight_copies(conv: nn.Conv2d, uses: Collection[tuple[str, str]]) -> None:
    """Drop the cached copies of ``conv``'s weights that none of ``uses`` ((direction, path) pairs) reads.

    A copy stays on the conv once made: without this, a render's large pass would run with the copies
    that its small pass and the measuring of paths had left, on top of its own peak."""
    for attribute, readers in WEIGHT_COPIES.items():
        if hasattr(conv, attribute) and not readers & set(uses):
            delattr(conv, attribute)


# NNPACK's Winograd F(6x6, 3x3) holds 8x8 transformed tiles per 6x6 output block for the input and the
# output: about 64/36 of both tensors, 630 MB for conv1_2 at 960 x 720. Above the workspace limit a
# convolution runs in horizontal strips (each with one row of context above and below) that fit in it.
@functools.lru_cache(maxsize=1)
def nnpack_workspace_limit() -> int:
    """Bytes of Winograd workspace one NNPACK call may use: ``$PICMATIX_NNPACK_WORKSPACE_MB`` (128 MB)."""
    return settings.nnpack_workspace_bytes()


def nnpack_workspace_bytes(channels: int, out_channels: int, rows: int, width: int) -> int:
    return int((channels + out_channels) * rows * width * 4 * 64 / 36)


def _nnpack_conv(
    x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, *, add_to: torch.Tensor | None = None
) -> torch.Tensor:
    """The convolution, in strips when its workspace would pass the limit; with ``add_to``, the result is
    added into that tensor strip by strip (no full-size temporary) and it is returned."""
    _, c, h, w = x.shape
    c_out = weight.shape[0]
    per_row = nnpack_workspace_bytes(c, c_out, 1, w)
    rows = max(8, nnpack_workspace_limit() // max(1, per_row))
    if rows >= h:
        whole = torch._nnpack_spatial_convolution(x, weight, bias, [1, 1])
        return whole if add_to is None else add_to.add_(whole)
    out = x.new_empty(x.shape[0], c_out, h, w) if add_to is None else add_to
    for top in range(0, h, rows):
        bottom = min(h, top + rows)
        first, last = max(0, top - 1), min(h, bottom + 1)
        # Padding 1 on the strip is right at the image's edges; inner context rows are cut away after.
        strip = torch._nnpack_spatial_convolution(x[:, :, first:last].contiguous(), weight, bias, [1, 1])
        rows_out = strip[:, :, top - first : top - first + bottom - top]
        if add_to is None:
            out[:, :, top:bottom] = rows_out
        else:
            out[:, :, top:bottom] += rows_out
    return out


def _paths_apply(conv: nn.Conv2d, x: torch.Tensor) -> bool:
    """Whether the measured choice of paths (painter.speed.convpath) runs ``conv`` on ``x``: float32
    on the CPU, VGG's 3x3 / pad 1 shape, fixed weights. Anything else (a GPU, float64) runs torch's own."""
    return (
        x.device.type == "cpu"
        and x.shape[0] == 1  # the paths were measured, and the strips written, for one image
        and x.dtype == torch.float32
        and conv.weight.dtype == torch.float32
        and conv.bias is not None
        and conv.kernel_size == (3, 3)
        and conv.padding == (1, 1)
        and conv.stride == (1, 1)
        and conv.dilation == (1, 1)
        and conv.groups == 1
        and not conv.weight.requires_grad
    )


def conv_paths(channels_in: int = 0, channels_out: int = 0, height: int = 0, width: int = 0) -> tuple[str, ...]:
    """The paths this machine can run for a convolution of this shape: NNPACK where torch has it (and it
    is not turned off), oneDNN on channels-last tensors, and oneDNN on NCHW tensors where its copies fit.

    oneDNN reorders an NCHW input and output into blocked copies, two more activations for the length of
    the call, which at large sizes raises a pass's peak while the shallow layers are measured. Like
    NNPACK's workspace, those copies are held to the workspace limit; the layers this rules out (the
    shallow ones of a large pass) are not where NCHW wins.
    """
    copies = (channels_in + channels_out) * height * width * 4
    nchw = ("onednn",) if copies <= nnpack_workspace_limit() else ()
    wide = channels_in == 0 or min(channels_in, channels_out) >= WINOGRAD_MIN_CHANNELS
    return (("nnpack",) if nnpack_usable() else ()) + nchw + ("channels_last",) + (("winograd",) if wide else ())


def _channels_last_weight(conv: nn.Conv2d, attribute: str, flipped: bool) -> torch.Tensor:
    """The conv's weights (or the input gradient's flipped ones) in channels-last layout, made once per conv
    (oneDNN reorders NCHW weights each call); the flipped NCHW copy is not kept for it."""
    weight = conv.weight
    cached: torch.Tensor | None = getattr(conv, attribute, None)
    if cached is None or cached.device != weight.device or cached.dtype != weight.dtype:
        cached = (_flipped(weight) if flipped else weight.detach()).contiguous(memory_format=torch.channels_last)
        setattr(conv, attribute, cached)
    return cached


def run_forward(path: str, conv: nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
    bias: torch.Tensor = conv.bias  # type: ignore[assignment]
    if path == "nnpack":
        dense = x.contiguous()
        if torch.is_grad_enabled() and dense.requires_grad:
            return _NnpackConv3x3.apply(dense, conv.weight, bias, flipped_weight(conv))
        return _nnpack_conv(dense, conv.weight, bias)
    if path == "channels_last":
        nhwc = x.contiguous(memory_format=torch.channels_last)
        return F.conv2d(nhwc, _channels_last_weight(conv, "_picmatix_nhwc", flipped=False), bias, padding=1)
    if path == "winograd":
        if torch.is_grad_enabled() and x.requires_grad:
            return _WinogradConv3x3.apply(x, winograd_weight(conv), bias)
        return winograd.conv3x3(x, winograd_weight(conv), bias, workspace=nnpack_workspace_limit())
    return F.conv2d(x.contiguous(), conv.weight, bias, padding=1)


def run_input_grad(path: str, conv: nn.Conv2d, grad: torch.Tensor, add_to: torch.Tensor | None) -> torch.Tensor:
    if path == "winograd":
        u = winograd_weight(conv)
        return winograd.conv3x3_input_grad(grad, u, workspace=nnpack_workspace_limit(), add_to=add_to)
    if path == "nnpack":
        flipped = flipped_weight(conv)
        return _nnpack_conv(grad.contiguous(), flipped, grad.new_zeros(conv.in_channels), add_to=add_to)
    if path == "channels_last":
        dense = grad.contiguous(memory_format=torch.channels_last)
        weight = _channels_last_weight(conv, "_picmatix_flipped_nhwc", flipped=True)
    else:
        dense, weight = grad.contiguous(), flipped_weight(conv)
    if add_to is None:
        return F.conv2d(dense, weight, None, padding=1)
    return _add_conv_in_strips(dense, weight, add_to)


def _add_conv_in_strips(x: torch.Tensor, weight: torch.Tensor, add_to: torch.Tensor) -> torch.Tensor:
    """``add_to += conv(x)`` through oneDNN a band of rows at a time, each band's result at most the
    workspace limit: in a large pass a whole shallow layer's input gradient is a temporary that the
    pass's memory bound has no room for (NNPACK adds its strips the same way)."""
    _, _, h, w = x.shape
    per_row = weight.shape[0] * w * x.element_size()
    rows = max(8, nnpack_workspace_limit() // max(1, per_row))
    if rows >= h:
        return add_to.add_(F.conv2d(x, weight, None, padding=1))
    for top in range(0, h, rows):
        bottom = min(h, top + rows)
        first, last = max(0, top - 1), min(h, bottom + 1)
        # A band of an NHWC tensor is contiguous; of an NCHW one, oneDNN reads it strided.
        band = F.conv2d(x[:, :, first:last], weight, None, padding=1)
        add_to[:, :, top:bottom] += band[:, :, top - first : top - first + bottom - top]
    return add_to


class CpuConvolutions:
    """A network's convolutions on a CPU: each float32 3x3 convolution of one image through the path
    chosen for its shape (measured the first time a shape is met outside a pass's own choice); any
    other (float64, a batch, trainable weights) through torch's own."""

    def forward(self, conv: nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
        """``conv(x)``, differentiable."""
        if not _paths_apply(conv, x):
            return conv(x)
        _, _, h, w = x.shape
        shape = (conv.in_channels, conv.out_channels, h, w)
        path = convpath.choose(
            "forward", shape, lambda p: run_forward(p, conv, x.detach()), conv_paths(*shape), runnable=conv_paths()
        )
        return run_forward(path, conv, x)

    def input_grad(self, conv: nn.Conv2d, grad: torch.Tensor, *, add_to: torch.Tensor | None = None) -> torch.Tensor:
        """The gradient of ``conv``'s input given its output's; with ``add_to``, added into that tensor
        (returned), on the banded paths without a full-size temporary."""
        if not _paths_apply(conv, grad):
            result = F.conv_transpose2d(grad, conv.weight, padding=1)
            return result if add_to is None else add_to.add_(result)
        _, _, h, w = grad.shape

        def timed(path: str) -> None:
            # Timed with an addition into a stand-in for add_to: adding a channels-last result into an NCHW
            # buffer (or the reverse) costs several times a same-layout addition, and belongs to the path.
            run_input_grad(path, conv, grad, None if add_to is None else torch.empty_like(add_to))

        shape = (conv.in_channels, conv.out_channels, h, w)
        path = convpath.choose("backward", shape, timed, conv_paths(*shape), runnable=conv_paths())
        return run_input_grad(path, conv, grad, add_to)
