"""How precisely a GPU does the network's arithmetic, and a way to ask for full float32.

Two settings of each pass of a recipe, applied for the pass's duration by :func:`pass_arithmetic`:

- ``tf32`` (on by default): TF32 for cuDNN convolutions and matrix products.
- ``bf16`` (``off`` by default): VGG convolutions in bfloat16 on a GPU, ``backward`` for the
  input-gradient convolutions only (half the arithmetic), ``all`` for the forward ones too. Only the
  convolutions: Gram matrices, losses, their gradients and the image stay float32, and each
  convolution's output is turned back to float32 at once. The forward convolutions are the risky half:
  they move the activations whose Gram residuals the loss measures, and those residuals are small
  differences of large numbers (painter/tests/test_precision.py measures both halves), so
  ``all`` can wreck a painting and ``backward`` is the cautious one; off by default.

A score must not move with either switch: ``full_precision()`` turns both off for its duration, and
painter.score measures every painting under it.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "BF16_MODES",
    "ExactStart",
    "arithmetic_key",
    "bf16_applies",
    "bf16_conv",
    "bf16_input_grad",
    "bf16_mode",
    "full_precision",
    "pass_arithmetic",
]

BF16_MODES = ("off", "backward", "all")

# Devices where bf16 applies. A CPU's bf16 convolutions are slower than its float32 ones on the
# machines tried, so only CUDA; tests add "cpu" to check the arithmetic without a GPU.
BF16_DEVICES: tuple[str, ...] = ("cuda",)

_exact: contextvars.ContextVar[bool] = contextvars.ContextVar("picmatix_full_precision", default=False)
_bf16: contextvars.ContextVar[str] = contextvars.ContextVar("picmatix_bf16", default="off")


def bf16_mode() -> str:
    """The bf16 setting of the pass running now: off, backward or all."""
    return _bf16.get()


@contextlib.contextmanager
def _tf32(allowed: bool) -> Iterator[None]:
    """torch's TF32 switches (matrix products, cuDNN) set for the duration, then restored."""
    matmul, cudnn = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = allowed
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = matmul, cudnn


@contextlib.contextmanager
def pass_arithmetic(*, tf32: bool, bf16: str) -> Iterator[None]:
    """A pass's arithmetic as its recipe says (TF32, bf16 convolutions) for the duration; the flags
    before it are restored on the way out."""
    token = _bf16.set(bf16)
    try:
        with _tf32(tf32):
            yield
    finally:
        _bf16.reset(token)


def _bf16_on(device_type: str, stage: str) -> bool:
    if device_type not in BF16_DEVICES or _exact.get():
        return False
    mode = bf16_mode()
    return mode == "all" or mode == stage


def bf16_applies(x: torch.Tensor, stage: str) -> bool:
    """Whether a convolution (``stage``: forward or backward) of ``x`` runs in bf16: asked for, on a
    device where it applies, on float32 input, and not inside ``full_precision()``."""
    return x.dtype == torch.float32 and _bf16_on(x.device.type, stage)


def arithmetic_key(device: torch.device) -> tuple[bool, bool, bool]:
    """What the switches make of a network's numbers on ``device`` now (bf16 convolutions, TF32 in cuDNN
    and in products): part of a cached target's key, so that a score in full precision never reads
    targets that a bf16 or TF32 render left in the cache."""
    cuda = device.type == "cuda"
    return (
        _bf16_on(device.type, "forward"),  # targets are forward passes only
        cuda and torch.backends.cudnn.allow_tf32,
        cuda and torch.backends.cuda.matmul.allow_tf32,
    )


def _bf16_parameters(conv: nn.Conv2d) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The conv's weight and bias in bf16, made once per conv (a cast per call would be one more kernel
    launch per layer, and the 350 px pass is bound by launches)."""
    weight = conv.weight
    key = (weight.data_ptr(), weight.device, weight.stride(), weight._version)
    cached = conv.__dict__.get("_picmatix_bf16")
    if cached is None or cached[0] != key:
        bias = None if conv.bias is None else conv.bias.to(torch.bfloat16)
        cached = (key, weight.to(torch.bfloat16), bias)
        conv.__dict__["_picmatix_bf16"] = cached
    return cached[1], cached[2]


def bf16_conv(conv: nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
    """``conv(x)`` with bf16 operands (float32 accumulation in cuDNN), returned as float32."""
    weight, bias = _bf16_parameters(conv)
    return F.conv2d(x.to(torch.bfloat16), weight, bias, conv.stride, conv.padding, conv.dilation, conv.groups).float()


def bf16_input_grad(conv: nn.Conv2d, grad: torch.Tensor) -> torch.Tensor:
    """The gradient of a 3x3 / pad 1 conv's input from its output's, with bf16 operands, as float32."""
    weight, _ = _bf16_parameters(conv)
    return F.conv_transpose2d(grad.to(torch.bfloat16), weight, padding=1).float()


@contextlib.contextmanager
def full_precision() -> Iterator[None]:
    """Float32 throughout, whatever the switches say: no bf16 convolutions, no TF32 (the flags are
    restored on the way out)."""
    token = _exact.set(True)
    try:
        with _tf32(False):
            yield
    finally:
        _exact.reset(token)


Out = TypeVar("Out")
Evaluate = Callable[[torch.Tensor], Out]


class ExactStart(Generic[Out]):
    """A pass's evaluation whose first ``exact`` calls run in full float32 (:func:`full_precision`), and
    the later ones in the pass's own arithmetic, through ``later(evaluate, image)`` (made once, on the
    first of them: a device's speed work may record it as a graph, whose example image matters only by
    its shape and layout).

    The first step of an L-BFGS pass is tiny (min(1, 1/|g|_1)), so its first curvature pair is the
    difference of two nearly equal gradients; under TF32 that difference is mostly rounding, the pair
    tells L-BFGS a wrong curvature, and its steps can then throw the image far off. Exact first
    evaluations make that pair from float32 gradients, before any recording takes its memory. (fp32's
    own rounding can still throw the step: the recipe's ``lbfgs_guard`` is what catches that.)"""

    def __init__(
        self,
        evaluate: Evaluate[Out],
        exact: int,
        later: Callable[[Evaluate[Out], torch.Tensor], Evaluate[Out]] | None = None,
    ) -> None:
        self._evaluate = evaluate
        self._exact = exact
        self._make_later = later
        self._calls = 0
        self._later: Evaluate[Out] | None = None

    def __call__(self, image: torch.Tensor) -> Out:
        self._calls += 1
        if self._calls <= self._exact:
            with full_precision():
                return self._evaluate(image)
        if self._later is None:
            self._later = self._evaluate if self._make_later is None else self._make_later(self._evaluate, image)
        return self._later(image)
