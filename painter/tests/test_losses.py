"""The loss terms against hand computations and neural_style.lua's formulas."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest
import torch

from painter.losses import GatysObjective, gram_matrix, style_targets, tv_loss


def identity_features(x: torch.Tensor, layers: Sequence[str]) -> Mapping[str, torch.Tensor]:
    """A 'network' whose every layer is its input: losses can then be worked out by hand."""
    return {name: x for name in layers}


def test_gram_matrix_equals_a_hand_computation() -> None:
    # Two channels, 2 x 2 pixels: channel a = 1 2 3 4, channel b = 0 1 0 2.
    f = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]], [[0.0, 1.0], [0.0, 2.0]]]])
    # aa = 1+4+9+16 = 30, ab = 0+2+0+8 = 10, bb = 0+1+0+4 = 5; divided by C*H*W = 8.
    expected = torch.tensor([[30.0, 10.0], [10.0, 5.0]]) / 8
    assert torch.allclose(gram_matrix(f), expected)


def test_style_loss_equals_a_hand_computation() -> None:
    f = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]], [[0.0, 1.0], [0.0, 2.0]]]])
    target = torch.tensor([[3.0, 1.0], [1.0, 0.0]])
    objective = GatysObjective(
        identity_features,
        content={},
        style={"relu1_1": target},
        content_weight=0.0,
        style_weight=100.0,
        tv_weight=0.0,
    )
    gram = [[30 / 8, 10 / 8], [10 / 8, 5 / 8]]
    squares = [(gram[i][j] - float(target[i, j])) ** 2 for i in range(2) for j in range(2)]
    expected = 100.0 * sum(squares) / 4  # style_weight * MSE over the C x C entries
    terms = objective(f)
    assert terms.style.item() == pytest.approx(expected, rel=1e-6)
    assert terms.total.item() == pytest.approx(expected, rel=1e-6)
    assert terms.content.item() == 0.0


def test_style_loss_sums_over_layers() -> None:
    f = torch.arange(8.0).view(1, 2, 2, 2)
    target = torch.zeros(2, 2)
    one = GatysObjective(
        identity_features, content={}, style={"a": target}, content_weight=0, style_weight=2.0, tv_weight=0
    )
    two = GatysObjective(
        identity_features,
        content={},
        style={"a": target, "b": target},
        content_weight=0,
        style_weight=2.0,
        tv_weight=0,
    )
    assert two(f).style.item() == pytest.approx(2 * one(f).style.item())


def test_content_loss_is_the_weight_times_the_mean_squared_error() -> None:
    x = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    target = torch.tensor([[[[0.0, 2.0], [3.0, 6.0]]]])
    objective = GatysObjective(
        identity_features,
        content={"relu4_2": target},
        style={},
        content_weight=5.0,
        style_weight=0.0,
        tv_weight=0.0,
    )
    assert objective(x).content.item() == pytest.approx(5.0 * (1 + 0 + 0 + 4) / 4)


def test_tv_loss_gradient_equals_neural_style_luas_tvloss() -> None:
    x = torch.randn(1, 3, 5, 7, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    x.requires_grad_(True)
    tv_loss(x, 0.3).backward()
    assert x.grad is not None

    # TVLoss:updateGradInput from neural_style.lua, transcribed slice by slice.
    img = x.detach()[0]
    grad = torch.zeros_like(img)
    x_diff = img[:, :-1, :-1] - img[:, :-1, 1:]
    y_diff = img[:, :-1, :-1] - img[:, 1:, :-1]
    grad[:, :-1, :-1] += x_diff + y_diff
    grad[:, :-1, 1:] -= x_diff
    grad[:, 1:, :-1] -= y_diff
    assert torch.allclose(x.grad[0], 0.3 * grad)


def test_tv_loss_value_is_half_the_sum_of_squared_differences() -> None:
    x = torch.tensor([[[[0.0, 1.0], [2.0, 4.0]]]])
    # Only the top-left pixel has both neighbours: x_diff = 0 - 1, y_diff = 0 - 2.
    assert tv_loss(x, 2.0).item() == pytest.approx(2.0 * 0.5 * (1 + 4))


def test_style_targets_blend_grams_with_weights_normalised_to_one() -> None:
    a = torch.rand(1, 3, 4, 4, generator=torch.Generator().manual_seed(2))
    b = torch.rand(1, 3, 6, 5, generator=torch.Generator().manual_seed(3))
    blended = style_targets(identity_features, [a, b], ["relu1_1"], [1.0, 3.0])["relu1_1"]
    assert torch.allclose(blended, 0.25 * gram_matrix(a) + 0.75 * gram_matrix(b))
    equal = style_targets(identity_features, [a, b], ["relu1_1"])["relu1_1"]
    assert torch.allclose(equal, 0.5 * gram_matrix(a) + 0.5 * gram_matrix(b))


def test_zero_weight_terms_are_left_out() -> None:
    x = torch.rand(1, 3, 4, 4)
    objective = GatysObjective(
        identity_features,
        content={"relu4_2": torch.zeros_like(x)},
        style={"relu1_1": torch.zeros(3, 3)},
        content_weight=0.0,
        style_weight=0.0,
        tv_weight=0.0,
    )
    assert objective(x).total.item() == 0.0
