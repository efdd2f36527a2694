"""Gatys losses with the normalisations of jcjohnson/neural-style (neural_style.lua).

Keeping its conventions (Gram / (C*H*W), MSE means, strength multiplying loss and gradient) lets the
seed recipe's weights (content 5, style 100, tv 1e-3) keep the meaning they have there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

from .vgg import FeatureNet

__all__ = [
    "Evaluation",
    "GatysObjective",
    "LossSettings",
    "LossTerms",
    "content_targets",
    "gram_matrix",
    "normalize_gradient",
    "style_targets",
    "tv_loss",
]

Features = Callable[[torch.Tensor, Sequence[str]], Mapping[str, torch.Tensor]]


class _Gram(torch.autograd.Function):
    """G = F F^T * scale with a one-product backward: dF = (dG + dG^T) F * scale.

    Autograd's backward of mm(F, F.t()) makes two products of that size; the Gram products are a
    noticeable share of an iteration on a CPU, so the second one is worth saving.
    """

    @staticmethod
    def forward(ctx: torch.autograd.function.FunctionCtx, flat: torch.Tensor, scale: float) -> torch.Tensor:
        ctx.save_for_backward(flat)
        ctx.scale = scale  # type: ignore[attr-defined]
        return torch.mm(flat, flat.t()).mul_(scale)

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        (flat,) = ctx.saved_tensors  # type: ignore[attr-defined]
        scale: float = ctx.scale  # type: ignore[attr-defined]
        # Scale the small C x C factor, not the C x HW product.
        return torch.mm((grad + grad.t()).mul_(scale), flat), None


def gram_matrix(features: torch.Tensor) -> torch.Tensor:
    """(1, C, H, W) -> (C, C) Gram matrix F F^T / (C*H*W), as neural_style.lua's StyleLoss divides it."""
    _, c, h, w = features.shape
    if c > 1 and features.is_contiguous(memory_format=torch.channels_last) and not features.is_contiguous():
        # NHWC (a layer a CPU runs channels-last): the (C, HW) matrix is a transposed view, which the
        # matrix products read as it is; reshape would copy it.
        return _Gram.apply(features.permute(0, 2, 3, 1).reshape(h * w, c).t(), 1.0 / (c * h * w))
    return _Gram.apply(features.reshape(c, h * w), 1.0 / (c * h * w))


class _NormalizeGradient(torch.autograd.Function):
    """Identity forward; backward rescales the gradient to neural_style.lua's normalised one.

    The lua modules compute g = d(MSE)/d(input), then g / (||g||_1 + 1e-8) * strength. Placed in front
    of ``strength * MSE``, this node receives strength * g, so dividing by ||.||_1 / strength + 1e-8
    gives exactly that.
    """

    @staticmethod
    def forward(ctx: torch.autograd.function.FunctionCtx, x: torch.Tensor, strength: float) -> torch.Tensor:
        ctx.strength = strength  # type: ignore[attr-defined]
        return x.view_as(x)

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        strength: float = ctx.strength  # type: ignore[attr-defined]
        return grad / (grad.abs().sum() / strength + 1e-8), None


def normalize_gradient(x: torch.Tensor, strength: float) -> torch.Tensor:
    """Mark ``x`` (read by one ``strength * loss`` term) for neural_style.lua's -normalize_gradients."""
    return _NormalizeGradient.apply(x, strength)


def tv_loss(image: torch.Tensor, strength: float) -> torch.Tensor:
    """Total variation whose gradient is exactly neural_style.lua's TVLoss:updateGradInput.

    The lua module only defines a gradient: with x_diff = x[:-1, :-1] - x[:-1, 1:] and
    y_diff = x[:-1, :-1] - x[1:, :-1] (both on the top-left (H-1) x (W-1) crop), it adds
    x_diff + y_diff at [:-1, :-1], -x_diff at [:-1, 1:], -y_diff at [1:, :-1], times strength.
    That is the gradient of strength * 0.5 * sum(x_diff^2 + y_diff^2), the value reported here.
    """
    corner = image[:, :, :-1, :-1]
    x_diff = corner - image[:, :, :-1, 1:]
    y_diff = corner - image[:, :, 1:, :-1]
    return 0.5 * strength * (x_diff.square().sum() + y_diff.square().sum())


@torch.no_grad()
def content_targets(features: Features, image: torch.Tensor, layers: Sequence[str]) -> dict[str, torch.Tensor]:
    """Feature maps of the (preprocessed) content image at ``layers``; cloned, as ReLUs run in place."""
    return {name: f.clone() for name, f in features(image, layers).items()}


@torch.no_grad()
def style_targets(
    features: Features,
    images: Sequence[torch.Tensor],
    layers: Sequence[str],
    blend_weights: Sequence[float] | None = None,
) -> dict[str, torch.Tensor]:
    """Gram targets blended over several style images, weights normalised to sum 1 (neural_style.lua)."""
    if not images:
        raise ValueError("at least one style image is needed")
    weights = list(blend_weights) if blend_weights is not None else [1.0] * len(images)
    if len(weights) != len(images) or sum(weights) <= 0:
        raise ValueError("style blend weights must be one non-negative number per style image, not all 0")
    total = sum(weights)
    targets: dict[str, torch.Tensor] = {}
    for image, weight in zip(images, weights, strict=True):

        def add(name: str, f: torch.Tensor, weight: float = weight) -> None:
            g = gram_matrix(f).mul_(weight / total)
            targets[name] = targets[name].add_(g) if name in targets else g

        if isinstance(features, FeatureNet):
            features(image, layers, add)  # each layer's activations freed once its Gram is made
        else:
            for name, f in features(image, layers).items():
                add(name, f)
    return targets


@dataclass(frozen=True)
class LossTerms:
    """The loss of one evaluation. From :class:`GatysObjective`, ``total`` carries the autograd graph
    and the parts are detached; :class:`~painter.speed.backprop.LeanObjective` returns no graph."""

    total: torch.Tensor
    content: torch.Tensor
    style: torch.Tensor
    tv: torch.Tensor


#: A pass's objective as the optimiser calls it: the losses of an image and their gradient.
Evaluation = Callable[[torch.Tensor], tuple[LossTerms, torch.Tensor]]


class LossSettings:
    """The targets and weights of a Gatys objective, shared by the autograd and the lean version."""

    def __init__(
        self,
        *,
        content: Mapping[str, torch.Tensor],
        style: Mapping[str, torch.Tensor],
        content_weight: float,
        style_weight: float,
        tv_weight: float,
        normalize_gradients: bool = False,
    ) -> None:
        # A zero-weight term contributes nothing; dropping it also avoids dividing by 0 in the normaliser.
        self.content = dict(content) if content_weight > 0 else {}
        self.style = dict(style) if style_weight > 0 else {}
        self.content_weight = content_weight
        self.style_weight = style_weight
        self.tv_weight = tv_weight
        self.normalize_gradients = normalize_gradients
        self.layers = list(dict.fromkeys([*self.content, *self.style]))


class GatysObjective(LossSettings):
    """Content + style + total variation loss of an image (in network input space), in one forward.

    Loss values follow neural_style.lua: the sum over layers of weight * MSE.
    """

    def __init__(self, features: Features, **settings: Any) -> None:
        super().__init__(**settings)
        self.features = features

    def _mark(self, f: torch.Tensor, strength: float) -> torch.Tensor:
        return normalize_gradient(f, strength) if self.normalize_gradients else f

    def __call__(self, image: torch.Tensor) -> LossTerms:
        zero = image.new_zeros(())
        content: list[torch.Tensor] = []
        style: list[torch.Tensor] = []

        def visit(name: str, f: torch.Tensor) -> None:
            if name in self.content:
                marked = self._mark(f, self.content_weight)
                content.append(self.content_weight * F.mse_loss(marked, self.content[name]))
            if name in self.style:
                marked = self._mark(f, self.style_weight)
                style.append(self.style_weight * F.mse_loss(gram_matrix(marked), self.style[name]))

        if self.layers:
            if isinstance(self.features, FeatureNet):
                self.features(image, self.layers, visit)  # losses computed as each layer is reached
            else:
                for name, f in self.features(image, self.layers).items():
                    visit(name, f)
        content_sum = torch.stack(content).sum() if content else zero
        style_sum = torch.stack(style).sum() if style else zero
        tv = tv_loss(image, self.tv_weight) if self.tv_weight > 0 else zero
        return LossTerms(content_sum + style_sum + tv, content_sum.detach(), style_sum.detach(), tv.detach())
