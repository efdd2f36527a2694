"""picmatix's rendering engine: Gatys neural style transfer with torch and Pillow, no Django.

    from painter import load_image, recipe_preset, render
    result = render(load_image("photo.jpg"), [load_image("painting.jpg")], recipe_preset("quick"))
    result.hd.save("hd.png"); result.preview.save("preview.jpg")

Recipes and errors import without torch (the web tier validates recipes); ``render``, ``Progress``,
``RenderResult`` and ``load_image`` load the rendering stack on first use.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

# OpenMP threads that spin after each parallel region steal the cores that NNPACK's thread pool (and
# any neighbour) needs: on a busy 2-core host, a 192 px iteration took 1.6 s spinning and 0.6 s
# passive. Read when torch loads its OpenMP runtime, so only effective before torch is imported;
# an operator's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# torch's CPU allocator backs allocations of 2 MB or more with transparent huge pages when this is set
# (read once, at its first allocation): a 960 px pass allocates gigabytes of fresh activations per
# iteration, and faulting them in 4 KB pages cost 15% of its time (bench/README.md).
os.environ.setdefault("THP_MEM_ALLOC_ENABLE", "1")

from .errors import EngineError, ImageError, InsufficientMemory, RecipeError, RenderCancelled, WeightsNotFound
from .recipe import PRESETS, PassSpec, PostProcess, Recipe, Upscale, Watermark, recipe_preset

if TYPE_CHECKING:
    from .images import load_image
    from .pipeline import Progress, RenderResult, render

__all__ = [
    "PRESETS",
    "EngineError",
    "ImageError",
    "InsufficientMemory",
    "PassSpec",
    "PostProcess",
    "Progress",
    "Recipe",
    "RecipeError",
    "RenderCancelled",
    "RenderResult",
    "Upscale",
    "Watermark",
    "WeightsNotFound",
    "load_image",
    "recipe_preset",
    "render",
]

_LAZY = {"render": "pipeline", "Progress": "pipeline", "RenderResult": "pipeline", "load_image": "images"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
