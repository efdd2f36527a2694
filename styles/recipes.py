"""Bridge between a style's stored recipe (JSON) and the engine's recipe schema.

The engine's recipe module is plain Python (no torch), so the web tier validates recipes without
loading the rendering stack.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

#: A style painted from a preset starts from the painting's colours: without it the passes keep most
#: of the photo's, and a painting whose look is its palette (The Scream's orange sky, a blue nocturne)
#: comes back as the photo with a tint (bench/README.md, "The painting's colours"). Customers who
#: want their own colours keep them where the style allows it (recipe_with_photo_colours).
STYLE_PAINTING_COLORS = 1.0


def recipe_validate(data: Any) -> dict[str, Any]:
    """Return the recipe in canonical form, or raise ValidationError naming the bad field."""
    from painter.recipe import Recipe, RecipeError

    try:
        return Recipe.from_dict(data).to_dict()
    except RecipeError as exc:
        raise ValidationError(str(exc), code="invalid_recipe") from exc


def recipe_with_photo_colours(recipe: dict[str, Any]) -> dict[str, Any]:
    """The recipe with every pass keeping the photo's colours (the engine's `original_colors`), painted
    from the photo's own colours, not from the painting's (`painting_colors`)."""
    data = recipe_validate(recipe)
    for spec in data["passes"]:
        spec["original_colors"] = True
    data["painting_colors"] = 0.0
    return data


def recipe_with_strength(recipe: dict[str, Any], strength: str) -> dict[str, Any]:
    """The recipe with its style weights multiplied for the customer's strength (painter.calibrate)."""
    from painter.calibrate import with_strength
    from painter.recipe import Recipe

    return with_strength(Recipe.from_dict(recipe_validate(recipe)), strength).to_dict()


def recipe_preset_names() -> list[str]:
    from painter.recipe import PRESETS

    return sorted(PRESETS)


def recipe_preset_dict(name: str) -> dict[str, Any]:
    from painter.recipe import recipe_preset

    # A new style's weights are the host's default (PICMATIX_VGG_WEIGHTS); recorded with the recipe,
    # they stay the style's whatever the host says later.
    from painter.settings import vgg_weights

    return {**recipe_preset(name).to_dict(), "weights": vgg_weights(), "painting_colors": STYLE_PAINTING_COLORS}
