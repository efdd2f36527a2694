"""picmatix's rendering engine: Gatys neural style transfer with torch and Pillow, no Django.

    from rendering.engine import load_image, recipe_preset, render
    result = render(load_image("photo.jpg"), [load_image("painting.jpg")], recipe_preset("quick"))
    result.hd.save("hd.png"); result.preview.save("preview.jpg")
"""

from .errors import EngineError, ImageError, InsufficientMemory, RecipeError, RenderCancelled, WeightsNotFound
from .images import load_image
from .recipe import PRESETS, PassSpec, PostProcess, Recipe, Upscale, Watermark, recipe_preset
from .render import Progress, RenderResult, render

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
