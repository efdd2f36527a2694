"""Advice before sending: the upload page warns about a photo likely to disappoint, and never refuses it.

Two warnings: the photo is smaller than the chosen style paints at (its recipe's largest pass, long
side), so the engine must enlarge it and the painting comes out soft; or it is very dark. The check
runs in the browser (picmatix/static/picmatix/photo-advice.js) on the chosen file, before anything is
sent, because after sending it would be too late to change one's mind: the form's POST creates the
order, a form shown again loses the chosen file, and a direct upload (orders/direct_upload.py) is
read by the web tier only when the order is made. The limits are decided here and handed to the page.

A third warning, a face small in the frame, needs a face detector, which browsers do not have (the
FaceDetector API is behind a flag on most of them): the script sends a small grey copy of the chosen
photo (FACE_CHECK_SIDE px at most, never the photo itself) to the photo check (``photo_face_width``),
which answers with the largest face's width and keeps nothing. scikit-image's LBP frontal-face
cascade (OpenCV's, in its wheel) finds a face of some 20 px and up in that copy, in a fraction of a
second. Whether that face is too small depends on the style: strokes have a size in pixels, so what
counts is the face's size at the style's largest pass (bench/small_faces.py measured where eyes and
mouth are lost). A face the detector misses (in profile, turned, very small) gets no warning.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
from django.core.exceptions import ValidationError
from PIL import Image

from styles.models import Style
from styles.recipes import recipe_validate

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile
    from skimage.feature import Cascade

# Mean luma (0 to 255, ITU-R 601 as Pillow's convert("L") and the page's script compute it) under
# which a photo is "very dark": most of it then lies in the darkest sixth of the range, where a
# phone's JPEG has kept little detail and the engine's content features see little structure to
# keep, so the painting is mostly the style's texture over black. A lit street at night stays above.
DARK_MEAN_LUMA = 40


# The face check's copy of the photo: its long side at most (the script draws it at this size).
FACE_CHECK_SIDE = 768  # a face of 20 px there is under 3 % of the long side
FACE_CHECK_MAX_BYTES = 256 * 1024
# The detector's settings: a finer scale step than its default and 8 overlapping detections to
# confirm a face, which kept textures (brick, gravel, a retina, a cat's fur) from being taken for a
# face on 23 photos and paintings while every pasted face of 25 px and up was still found
# (bench/README.md, "Small faces").
_SCALE_STEP = 1.1
_MIN_NEIGHBOURS = 8
_MIN_FACE = 20
# The detector's box is about this many eye distances wide (the astronaut at five sizes: 2.07 to 2.15).
FACE_BOX_PER_EYES = 2.1
# Eyes closer together than this at the style's largest pass may lose their shape in the strokes: the
# smallest eye distance at which every demo painting kept eyes and mouth, as shown and stronger
# (bench/small_faces.py; The Scream is the one that needs it). One line for every style: a calmer
# painting keeps smaller faces, so for it the warning comes early.
SMALL_FACE_EYES = 48


@cache
def _cascade() -> Cascade:
    from skimage.data import lbp_frontal_face_cascade_filename
    from skimage.feature import Cascade

    return Cascade(lbp_frontal_face_cascade_filename())


def photo_face_width(image: Image.Image) -> float | None:
    """The width of the largest face found in ``image``, as a share of its long side; None when none
    is found."""
    grey = np.asarray(image.convert("L"), dtype=np.float64) / 255.0
    found = _cascade().detect_multi_scale(
        img=grey,
        scale_factor=_SCALE_STEP,
        step_ratio=1,
        min_size=(_MIN_FACE, _MIN_FACE),
        max_size=(max(grey.shape), max(grey.shape)),
        min_neighbor_number=_MIN_NEIGHBOURS,
    )
    if not found:
        return None
    return max(int(face["width"]) for face in found) / max(image.size)


class BadPhotoCopy(ValueError):
    """What was sent for the face check is not a small JPEG or PNG."""


def photo_copy_face_width(copy: UploadedFile | None) -> float | None:
    """The face check of the browser's copy: decoded in memory, checked, kept nowhere."""
    if copy is None or copy.size is None or copy.size > FACE_CHECK_MAX_BYTES:
        raise BadPhotoCopy
    try:
        with Image.open(copy) as image:
            if image.format not in ("JPEG", "PNG") or max(image.size) > FACE_CHECK_SIDE:
                raise BadPhotoCopy
            image.load()
            return photo_face_width(image)
    except (OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise BadPhotoCopy from error


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
        "faceCheckSide": FACE_CHECK_SIDE,
        # A face whose box is narrower than this at the style's largest pass (pixels) is warned about.
        "smallFaceBelow": round(SMALL_FACE_EYES * FACE_BOX_PER_EYES),
    }
