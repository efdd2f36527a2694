"""The hand-written backward pass (LeanObjective) against autograd's (GatysObjective), the reference."""

from __future__ import annotations

import pytest
import torch

from painter.losses import GatysObjective, content_targets, style_targets, tv_loss
from painter.speed.backprop import LeanObjective, tv_value_and_grad
from painter.speed.memory import allocator_for_pass
from painter.vgg import FeatureNet

LAYOUTS = [
    # (content layers, style layers): the usual taps, and taps on a conv's output and a pool's output.
    (["relu2_1"], ["relu1_1", "relu2_1"]),
    (["conv1_1", "relu2_1"], ["pool1", "conv2_1", "relu1_1"]),
    (["pool1"], ["conv1_1"]),
    ([], ["relu2_1"]),
    (["relu1_1"], []),
    # A ReLU read before the pool that applies an unread one's mask (([], ["relu2_1"]) folds it).
    (["relu1_1"], ["pool1", "relu2_1"]),
]


def _objectives(
    net: FeatureNet, content_layers: list[str], style_layers: list[str], normalize: bool, *, dtype: torch.dtype
) -> tuple[GatysObjective, LeanObjective, torch.Tensor]:
    generator = torch.Generator().manual_seed(len(content_layers) * 10 + len(style_layers))
    photo = torch.rand(1, 3, 9, 11, generator=generator, dtype=dtype)
    paintings = [torch.rand(1, 3, 10, 8, generator=generator, dtype=dtype) for _ in range(2)]
    arguments = {
        "content": content_targets(net, photo, content_layers),
        "style": style_targets(net, paintings, style_layers, [1.0, 3.0]) if style_layers else {},
        "content_weight": 5.0,
        "style_weight": 100.0 if style_layers else 0.0,
        "tv_weight": 0.1,
        "normalize_gradients": normalize,
    }
    image = torch.rand(1, 3, 9, 11, generator=generator, dtype=dtype) * 2 - 0.5  # odd sizes: pools drop an edge
    return GatysObjective(net, **arguments), LeanObjective(net, **arguments), image


@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize(("content_layers", "style_layers"), LAYOUTS)
def test_lean_gradient_equals_autograd_in_float64(
    tiny_net: FeatureNet, content_layers: list[str], style_layers: list[str], normalize: bool
) -> None:
    reference, lean, image = _objectives(tiny_net, content_layers, style_layers, normalize, dtype=torch.float64)
    leaf = image.clone().requires_grad_(True)
    expected = reference(leaf)
    expected.total.backward()
    terms, grad = lean(image)
    assert leaf.grad is not None
    assert terms.total.item() == pytest.approx(expected.total.item(), rel=1e-12)
    assert terms.content.item() == pytest.approx(expected.content.item(), rel=1e-12)
    assert terms.style.item() == pytest.approx(expected.style.item(), rel=1e-12)
    assert terms.tv.item() == pytest.approx(expected.tv.item(), rel=1e-12)
    assert torch.allclose(grad, leaf.grad, rtol=1e-10, atol=1e-12 * leaf.grad.abs().max().item())


def test_lean_gradient_in_channels_last_layout_equals_autograd(tiny_net: FeatureNet) -> None:
    """The layout CUDA renders use: same numbers, and the gradient comes back in the input's shape."""
    reference, lean, image = _objectives(tiny_net, ["relu2_1"], ["relu1_1", "relu2_1"], False, dtype=torch.float64)
    leaf = image.clone().requires_grad_(True)
    reference(leaf).total.backward()
    net = tiny_net.to(memory_format=torch.channels_last)
    lean.net = net
    _, grad = lean(image.contiguous(memory_format=torch.channels_last))
    assert leaf.grad is not None
    assert grad.shape == image.shape
    assert torch.allclose(grad, leaf.grad, rtol=1e-10, atol=1e-12 * leaf.grad.abs().max().item())


def test_tv_value_and_gradient_equal_autograd_of_tv_loss() -> None:
    image = torch.randn(1, 3, 5, 6, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    leaf = image.clone().requires_grad_(True)
    expected = tv_loss(leaf, 0.3)
    expected.backward()
    value, grad = tv_value_and_grad(image, 0.3)
    assert value.item() == pytest.approx(expected.item(), rel=1e-12)
    assert leaf.grad is not None
    assert torch.allclose(grad, leaf.grad, rtol=1e-12)


def test_allocator_tuning_is_harmless_either_way() -> None:
    for pass_bytes in (2**31, 2**20, 2**31):
        allocator_for_pass(pass_bytes)
        assert torch.ones(2**22).sum().item() == 2**22  # allocations still work, small and large
        assert torch.ones(2**10).sum().item() == 2**10


class _FakeLibc:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int]] = []

    def mallopt(self, parameter: int, value: int) -> int:
        self.calls.append(("mallopt", parameter, value))
        return 1

    def malloc_trim(self, pad: int) -> int:
        self.calls.append(("malloc_trim", pad, 0))
        return 1


def test_a_small_pass_keeps_its_freed_heap_mapped_and_a_large_one_gives_it_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from painter.speed import memory

    libc = _FakeLibc()
    monkeypatch.setattr(memory, "_libc", lambda: libc)
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    assert allocator_for_pass(2**20)
    assert ("mallopt", memory._M_TRIM_THRESHOLD, memory.SMALL_PASS_BYTES) in libc.calls
    assert ("mallopt", memory._M_MMAP_THRESHOLD, 32 * 2**20) in libc.calls
    libc.calls.clear()
    assert allocator_for_pass(2**31)
    # The trim threshold back to glibc's default before the heap is trimmed, then big blocks mapped alone.
    assert libc.calls == [
        ("mallopt", memory._M_TRIM_THRESHOLD, 128 * 2**10),
        ("malloc_trim", 0, 0),
        ("mallopt", memory._M_MMAP_THRESHOLD, 2**20),
    ]
    libc.calls.clear()
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "4096")  # the operator's choice stands
    allocator_for_pass(2**20)
    allocator_for_pass(2**31)
    assert not [call for call in libc.calls if call[1] == memory._M_TRIM_THRESHOLD]
