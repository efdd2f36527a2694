"""The objective's gradient: finite differences, and neural_style.lua's -normalize_gradients."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch

from painter.losses import GatysObjective, content_targets, gram_matrix, style_targets
from painter.vgg import FeatureNet


def test_loss_gradient_equals_finite_differences(tiny_net: FeatureNet) -> None:
    generator = torch.Generator().manual_seed(0)
    photo = torch.rand(1, 3, 8, 10, generator=generator, dtype=torch.float64)
    painting = torch.rand(1, 3, 10, 8, generator=generator, dtype=torch.float64)
    objective = GatysObjective(
        tiny_net,
        content=content_targets(tiny_net, photo, ["relu2_1"]),
        style=style_targets(tiny_net, [painting], ["relu1_1", "relu2_1"]),
        content_weight=5.0,
        style_weight=100.0,
        tv_weight=0.1,
    )
    x = torch.rand(1, 3, 8, 10, generator=generator, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda image: objective(image).total, (x,), eps=1e-6, atol=1e-5, rtol=1e-4)


def _grad(objective: GatysObjective, x: torch.Tensor) -> torch.Tensor:
    image = x.clone().requires_grad_(True)
    objective(image).total.backward()
    assert image.grad is not None
    return image.grad


def identity_features(x: torch.Tensor, layers: Sequence[str]) -> Mapping[str, torch.Tensor]:
    return {name: x for name in layers}


def test_normalized_gradients_are_divided_by_their_l1_norm_per_loss_as_in_neural_style_lua() -> None:
    generator = torch.Generator().manual_seed(4)
    x = torch.rand(1, 3, 4, 5, generator=generator, dtype=torch.float64)
    content = torch.rand(1, 3, 4, 5, generator=generator, dtype=torch.float64)
    style = torch.rand(3, 3, generator=generator, dtype=torch.float64)

    def objective(content_weight: float, style_weight: float, normalize: bool) -> GatysObjective:
        return GatysObjective(
            identity_features,
            content={"c": content} if content_weight else {},
            style={"s": style} if style_weight else {},
            content_weight=content_weight,
            style_weight=style_weight,
            tv_weight=0.0,
            normalize_gradients=normalize,
        )

    # ContentLoss:updateGradInput: g = crit:backward (= 2 (x - t) / N), g / (||g||_1 + 1e-8), * strength.
    g = 2 * (x - content) / x.numel()
    expected_content = 5.0 * g / (g.abs().sum() + 1e-8)
    assert torch.allclose(_grad(objective(5.0, 0.0, True), x), expected_content)

    # StyleLoss: the same normalisation, applied to the Gram loss's own gradient.
    raw_style = _grad(objective(0.0, 1.0, False), x)
    expected_style = 100.0 * raw_style / (raw_style.abs().sum() + 1e-8)
    assert torch.allclose(_grad(objective(0.0, 100.0, True), x), expected_style)

    # Each loss module normalises its own gradient before they are added.
    assert torch.allclose(_grad(objective(5.0, 100.0, True), x), expected_content + expected_style)
    # The loss value itself is unchanged by the option.
    assert objective(5.0, 100.0, True)(x).total.item() == objective(5.0, 100.0, False)(x).total.item()


def test_gram_gradient_flows_through_the_feature_map() -> None:
    f = torch.rand(1, 2, 3, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(gram_matrix, (f,))
