"""The Gatys objective's value and gradient with a hand-written backward pass through VGG.

Autograd keeps everything a backward pass might read: at 960 x 720, VGG-19 up to relu5_1 holds about
1 GB (every ReLU output in float32, int64 max-pool indices). Here the network is a plain chain with
fixed weights, so the backward pass needs far less:

- a convolution's input gradient needs only its weights, never its input;
- a ReLU's needs only where its output was positive: a bool mask, one byte per value instead of four;
- a 2x2 max pool's needs which of the four values won (torch's index, kept as int32: its kernels are
  much faster than routing a uint8 by hand); the ReLU before it then needs no mask of its own, since
  its gradient only reaches the winners, whose sign the pool's output already tells;
- a loss layer needs its activations, kept in float32 until the backward pass reaches them; their
  gradient is then written over them, and the gradient flowing from the layers above is added into
  that buffer strip by strip.

It computes the same numbers as :class:`~painter.losses.GatysObjective` (autograd), which
stays the readable reference: the tests compare the two in float64.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ..losses import LossSettings, LossTerms, gram_matrix
from ..vgg import FeatureNet

__all__ = ["LeanObjective", "left_multiply_in_place", "tv_value_and_grad"]

# Bytes of temporary a loss layer's in-place gradient may take per column block.
_BLOCK_BYTES = 16 * 2**20


def _max_pool(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """VGG's 2x2 / stride 2 max pool (odd edges dropped) and where each output came from, kept as int32
    (torch gives int64: twice the bytes, for indices below 2**31)."""
    out, indices = F.max_pool2d_with_indices(x, kernel_size=(2, 2), stride=(2, 2))
    return out, indices.to(torch.int32)


def _max_pool_backward(grad: torch.Tensor, indices: torch.Tensor, shape: torch.Size) -> torch.Tensor:
    """Each output's gradient routed to the input that won its window: torch's own kernel, which reads
    only the input's shape and layout (an unwritten tensor stands in for it)."""
    like = torch.empty(shape, dtype=grad.dtype, device=grad.device, memory_format=_format_of(grad))
    return torch.ops.aten.max_pool2d_with_indices_backward(
        grad, like, [2, 2], [2, 2], [0, 0], [1, 1], False, indices.long()
    )


def tv_value_and_grad(image: torch.Tensor, strength: float) -> tuple[torch.Tensor, torch.Tensor]:
    """neural_style.lua's total variation (see :func:`~painter.losses.tv_loss`) and its gradient."""
    corner = image[:, :, :-1, :-1]
    x_diff = corner - image[:, :, :-1, 1:]
    y_diff = corner - image[:, :, 1:, :-1]
    value = 0.5 * strength * (x_diff.square().sum() + y_diff.square().sum())
    grad = torch.zeros_like(image)
    grad[:, :, :-1, :-1] += (x_diff + y_diff).mul_(strength)
    grad[:, :, :-1, 1:] -= x_diff.mul_(strength)
    grad[:, :, 1:, :-1] -= y_diff.mul_(strength)
    return value, grad


def _format_of(x: torch.Tensor) -> torch.memory_format:
    return (
        torch.channels_last
        if x.dim() == 4 and x.is_contiguous(memory_format=torch.channels_last)
        else torch.contiguous_format
    )


@dataclass
class _Step:
    """One layer run by the forward pass, with what its backward pass needs."""

    name: str
    kind: str  # conv, relu or pool
    conv: nn.Conv2d | None = None
    dead: torch.Tensor | None = None  # relu: where its output was not positive (no gradient passes)
    mask_from: str | None = None  # relu: or derive that from this kept loss-layer activation
    folded: bool = False  # relu: before a pool, which applies its mask at a quarter of the size
    indices: torch.Tensor | None = None  # pool
    input_shape: torch.Size | None = None  # pool


class LeanObjective(LossSettings):
    """Content + style + total variation loss of an image (in network input space) and its gradient.

    Same arguments and loss values as :class:`~painter.losses.GatysObjective`; calling it
    returns the losses and the gradient instead of a graph to call ``backward()`` on.
    """

    def __init__(self, net: FeatureNet, **settings: Any) -> None:
        super().__init__(**settings)
        self.net = net
        unknown = set(self.layers) - set(net.names)
        if unknown:
            raise ValueError(f"layer(s) {', '.join(sorted(unknown))} are not in this network")

    @torch.no_grad()
    def __call__(self, image: torch.Tensor) -> tuple[LossTerms, torch.Tensor]:
        zero = image.new_zeros(())
        content, style = zero.clone(), zero.clone()
        grad: torch.Tensor | None = None
        if self.layers:
            steps, kept, grams, content, style = self._forward(image)
            grad = self._backward(steps, kept, grams)
        if grad is None:
            grad = torch.zeros_like(image)
        tv = zero
        if self.tv_weight > 0:
            tv, tv_grad = tv_value_and_grad(image, self.tv_weight)
            grad.add_(tv_grad)
        return LossTerms(content + style + tv, content, style, tv), grad

    # ----------------------------------------------------------------------------------------------
    # Forward: losses, and the compact record the backward pass reads

    def _forward(
        self, image: torch.Tensor
    ) -> tuple[list[_Step], dict[str, torch.Tensor], dict[str, torch.Tensor], torch.Tensor, torch.Tensor]:
        steps: list[_Step] = []
        kept: dict[str, torch.Tensor] = {}
        grams: dict[str, torch.Tensor] = {}
        content = image.new_zeros(())
        style = content.clone()
        remaining = set(self.layers)
        x = image
        convs = iter(self.net.convs)
        previous = ""
        plan = self.net.plan
        for index, (name, kind) in enumerate(plan):
            if kind == "conv":
                conv: nn.Conv2d = next(convs)  # type: ignore[assignment]
                x = self.net.conv(conv, x)
                steps.append(_Step(name, kind, conv=conv))
            elif kind == "relu":
                if previous in kept:  # the conv's output is read: keep it, and the mask follows from it
                    x = F.relu(x)
                    steps.append(_Step(name, kind, mask_from=previous))
                else:
                    x = F.relu_(x)
                    if name in self.layers:
                        steps.append(_Step(name, kind, mask_from=name))
                    elif index + 1 < len(plan) and plan[index + 1][1] == "pool":
                        steps.append(_Step(name, kind, folded=True))
                    else:
                        steps.append(_Step(name, kind, dead=x <= 0))
            else:
                shape = x.shape
                x, indices = _max_pool(x)
                folds = bool(steps) and steps[-1].folded
                steps.append(_Step(name, kind, indices=indices, input_shape=shape, dead=x <= 0 if folds else None))
            if name in remaining:
                kept[name] = x
                if name in self.content:
                    content += self.content_weight * _mean_square(x, self.content[name])
                if name in self.style:
                    gram = gram_matrix(x)
                    grams[name] = gram
                    style += self.style_weight * _mean_square(gram, self.style[name])
                remaining.discard(name)
                if not remaining:
                    break
            previous = name
        return steps, kept, grams, content, style

    # ----------------------------------------------------------------------------------------------
    # Backward

    def _backward(
        self, steps: list[_Step], kept: dict[str, torch.Tensor], grams: dict[str, torch.Tensor]
    ) -> torch.Tensor | None:
        # The deepest layer run is a loss layer: the gradient starts there.
        grad: torch.Tensor | None = self._loss_gradient(steps[-1].name, steps, kept, grams)
        for index in range(len(steps) - 1, -1, -1):
            step = steps[index]
            below = steps[index - 1].name if index > 0 else None
            # The gradient of a loss layer read below this step is made first, in its activations'
            # buffer, so that this step's input gradient can be added into it without a copy.
            into = self._loss_gradient(below, steps, kept, grams) if below in kept else None
            if grad is None:
                grad = into
                continue
            if step.kind == "conv":
                assert step.conv is not None
                grad = self.net.conv_input_grad(step.conv, grad, add_to=into)
            elif step.kind == "relu":
                if not step.folded:
                    # Set by the forward pass, or from the kept activations by _loss_gradient. A fill,
                    # not a multiplication by the mask: that would first copy the bools to floats.
                    assert step.dead is not None
                    grad = grad.masked_fill_(step.dead, 0.0)
                grad = grad if into is None else into.add_(grad)
            else:
                assert step.indices is not None
                assert step.input_shape is not None
                if step.dead is not None:  # the folded ReLU's mask, at the winners
                    grad = grad.masked_fill_(step.dead, 0.0)
                grad = _max_pool_backward(grad, step.indices, step.input_shape)
                grad = grad if into is None else into.add_(grad)
            step.dead = step.indices = None  # free as we go
        return grad

    def _loss_gradient(
        self,
        name: str | None,
        steps: list[_Step],
        kept: dict[str, torch.Tensor],
        grams: dict[str, torch.Tensor],
    ) -> torch.Tensor | None:
        """The gradient of the losses read at ``name``, written over its kept activations."""
        if name is None or name not in kept:
            return None
        features = kept[name]
        # ReLUs whose mask comes from these activations take it now, before they are overwritten.
        for step in steps:
            if step.mask_from == name and step.dead is None:
                step.dead = features <= 0
        content_part: torch.Tensor | None = None
        _, c, h, w = features.shape
        if name in self.content:
            content_part = (features - self.content[name]).mul_(2.0 * self.content_weight / (c * h * w))
            if self.normalize_gradients:
                content_part = _normalised(content_part, self.content_weight)
        if name not in self.style:
            del kept[name]
            return content_part
        # d(w * mean((G - A)^2))/dF = (dG + dG^T) F / (C*H*W) with dG = 2 w (G - A) / C^2.
        d_gram = (grams.pop(name) - self.style[name]).mul_(2.0 * self.style_weight / (c * c))
        factor = (d_gram + d_gram.mT).mul_(1.0 / (c * h * w))
        result = left_multiply_in_place(factor, kept.pop(name))
        if self.normalize_gradients:
            result = _normalised(result, self.style_weight)
        return result if content_part is None else result.add_(content_part)


def _normalised(grad: torch.Tensor, strength: float) -> torch.Tensor:
    """neural_style.lua's -normalize_gradients: (strength * g) / (||g||_1 + 1e-8), given strength * g."""
    norm = torch.linalg.vector_norm(grad, ord=1)
    return grad.div_(norm / strength + 1e-8)


def _mean_square(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return F.mse_loss(a, b)


def left_multiply_in_place(matrix: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
    """``matrix @ features`` per pixel (C x C times C x HW), written over ``features`` block by block."""
    c = features.shape[1]
    if features.is_contiguous():
        flat = features.view(c, -1)
        block = max(1, _BLOCK_BYTES // (c * features.element_size()))
        for start in range(0, flat.shape[1], block):
            part = flat[:, start : start + block]
            part.copy_(torch.mm(matrix, part))
        return features
    if features.device.type == "cpu":
        # channels_last, chosen for a shallow layer on a CPU (convpath): pixels are rows of C values.
        rows = features.permute(0, 2, 3, 1).reshape(-1, c)  # a view: no copy
        block = max(1, _BLOCK_BYTES // (c * features.element_size()))
        transposed = matrix.t()
        for start in range(0, rows.shape[0], block):
            part = rows[start : start + block]
            part.copy_(torch.mm(part, transposed))
        return features
    # channels_last (CUDA): memory is plentiful there, and one kernel beats many small ones.
    return torch.einsum("ij,njhw->nihw", matrix, features).contiguous(memory_format=_format_of(features))
