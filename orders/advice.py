"""Advice before sending: the upload page warns about a photo likely to disappoint, and never refuses it.

Two warnings: the photo is smaller than the chosen style paints at (its recipe's largest pass, long
side), so the engine must enlarge it and the painting comes out soft; or it is very dark. The check
runs in the browser (picmatix/static/picmatix/photo-advice.js) on the chosen file, before anything is
sent, because after sending it would be too late to change one's mind: the form's POST creates the
order, a form shown again loses the chosen file, and a direct upload (orders/direct_upload.py) is
read by the web tier only when the order is made. The limits are decided here and handed to the page.

No warning for a small face in a big frame: no face detector comes with the web tier (Pillow has
none, and the browser's FaceDetector is behind a flag on most desktops), so the page's advice says
it in words instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError

from styles.models import Style
from styles.recipes import recipe_validate

# Mean luma (0 to 255, ITU-R 601 as Pillow's convert("L") and the page's script compute it) under
# which a photo is "very dark": most of it then lies in the darkest sixth of the range, where a
# phone's JPEG has kept little detail and the engine's content features see little structure to
# keep, so the painting is mostly the style's texture over black. A lit street at night stays above.
DARK_MEAN_LUMA = 40


def style_largest_pass(style: Style) -> int | None:
    """The long side, in pixels, of the largest pass of the style's recipe; None when the recipe is
    not one the engine takes (the render would fail for any photo: no photo is to blame)."""
    try:
        recipe = recipe_validate(style.recipe)
    except ValidationError:
        return None
    return max(int(spec["size"]) for spec in recipe["passes"])


def photo_advice_limits(styles: Iterable[Style]) -> dict[str, Any]:
    """What the upload page's script compares a chosen photo with (keys as the script reads them)."""
    largest = {str(style.pk): style_largest_pass(style) for style in styles}
    return {
        "darkBelow": DARK_MEAN_LUMA,
        "largestPass": {pk: size for pk, size in largest.items() if size is not None},
    }
