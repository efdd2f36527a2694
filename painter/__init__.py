"""picmatix's rendering engine: Gatys neural style transfer with torch and Pillow, no Django.

    from painter import load_image, recipe_preset, render
    result = render(load_image("photo.jpg"), [load_image("painting.jpg")], recipe_preset("quick"))
    result.hd.save("hd.png"); result.preview.save("preview.jpg")

Recipes and errors import without torch (the web tier validates recipes); ``render``, ``Progress``,
``RenderResult`` and ``load_image`` load the rendering stack on first use.

The algorithm (what is painted):

- ``recipe``: what a render does, every setting that changes a pixel; the presets.
- ``pipeline``: a whole render: the passes, post-processing, preview and HD; a worker's warm-up.
- ``transfer``: one Gatys pass: its targets, its objective and the optimiser loop.
- ``losses``: content, style (Gram) and total-variation losses, and the autograd reference objective.
- ``lbfgs``: L-BFGS with the compact representation and its step guard.
- ``precision``: a pass's arithmetic (TF32, bf16 convolutions), full float32, the exact start.
- ``vgg``: the VGG-19 feature network and its three weight sources.
- ``layers``: VGG-19's layer names and shapes, without torch.
- ``targets_cache``: the paintings' style targets kept between jobs.
- ``score``: a painting's objective under a recipe, evaluated once.

The speed work (how fast the same pixels are computed), behind ``speed.backend_for(device)``:

- ``speed.backend``: the seam; ``speed.cpu`` and ``speed.cuda``: each device's side of it.
- ``speed.backprop``: the objective's gradient by a hand-written backward pass that keeps little.
- ``speed.cpu_convs``: a CPU's convolution paths; ``speed.convpath``: which one each shape takes.
- ``speed.winograd``: Winograd F(4x4, 3x3) convolutions written with matrix products.
- ``speed.tuning``: choosing a whole pass's paths together, once per machine and size.
- ``speed.memory``: a pass's memory estimate, the device's free memory, glibc's allocator.
- ``speed.graphs``: a GPU pass's evaluation recorded once as a CUDA graph and replayed.

Input and output:

- ``images``: reading, resizing, Pillow <-> torch; ``colours``: keeping the photo's colours.
- ``postprocess``: colour finishing; ``watermark``: the preview's mark; ``waifu2x``: 2x upscaling.
- ``settings``: every environment variable, parsed strictly; ``cachedir``: where downloads are kept.
- ``errors``: the exceptions, written for an operator; ``__main__``: the command line.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

# OpenMP threads that spin after each parallel region steal the cores that NNPACK's thread pool (and
# any neighbour) needs. Read when torch loads its OpenMP runtime, so only effective before torch is
# imported; an operator's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# torch's CPU allocator backs allocations of 2 MB or more with transparent huge pages when this is set
# (read once, at its first allocation): a large pass allocates gigabytes of fresh activations per
# iteration, and faulting them in one small page at a time is a sizeable share of its time.
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
