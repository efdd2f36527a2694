"""VGG-19's layer names and shapes, without torch: recipes validate layer names on the web tier too."""

from __future__ import annotations

__all__ = ["CONV_NAMES", "LAYER_NAMES", "LAYER_PLAN"]

# Output channels of the convolutions, block by block (Simonyan & Zisserman, configuration E).
_BLOCKS: tuple[tuple[int, ...], ...] = (
    (64, 64),
    (128, 128),
    (256, 256, 256, 256),
    (512, 512, 512, 512),
    (512, 512, 512, 512),
)


def _layer_plan() -> tuple[tuple[str, str, int, int], ...]:
    """(name, kind, in_channels, out_channels) for every layer of VGG-19's feature part."""
    plan: list[tuple[str, str, int, int]] = []
    channels = 3
    for block, outs in enumerate(_BLOCKS, start=1):
        for n, out in enumerate(outs, start=1):
            plan.append((f"conv{block}_{n}", "conv", channels, out))
            plan.append((f"relu{block}_{n}", "relu", out, out))
            channels = out
        plan.append((f"pool{block}", "pool", channels, channels))
    return tuple(plan)


#: (name, kind, in_channels, out_channels): conv1_1, relu1_1, conv1_2, relu1_2, pool1, conv2_1, ...
LAYER_PLAN = _layer_plan()
LAYER_NAMES: tuple[str, ...] = tuple(name for name, *_ in LAYER_PLAN)
CONV_NAMES: tuple[str, ...] = tuple(name for name, kind, *_ in LAYER_PLAN if kind == "conv")
