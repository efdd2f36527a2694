"""The upload page's face check (orders/advice.py) on pictures its settings were not chosen on.

    python bench/face_detector.py

Its settings (scale step, neighbours) were chosen on scikit-image's photographs and ../shared's
photos and paintings (23 pictures: no face taken from a texture, every pasted face of 25 px and up
found). Held out here: every painting bench/calibration.py and bench/judge.py wrote under var/bench
(faces where the photo was the astronaut's portrait, none elsewhere), and the astronaut pasted into
two other scenes (the cat, the coffee cup) at eight sizes. Prints the faces found where none is,
and the pasted faces missed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import django
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pairs import REPO

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "picmatix.settings")
django.setup()

from orders.advice import FACE_CHECK_SIDE, photo_face_width  # noqa: E402 (after django.setup)
from painter import references  # noqa: E402


def _copy(image: Image.Image) -> Image.Image:
    copy = image.convert("L")
    copy.thumbnail((FACE_CHECK_SIDE, FACE_CHECK_SIDE))
    return copy


def main() -> None:
    paintings = sorted((REPO / "var" / "bench").glob("*/*.png"))
    false_faces, faces_found, with_faces = [], 0, 0
    for path in paintings:
        with Image.open(path) as opened:
            found = photo_face_width(_copy(opened))
        if "astronaut" in path.name:
            with_faces += 1
            faces_found += found is not None
        elif found is not None:
            false_faces.append(f"{path.parent.name}/{path.name} ({found:.3f})")
    print(f"{len(paintings) - with_faces} paintings of photos without a face: {len(false_faces)} with a face found")
    for name in false_faces:
        print("   ", name)
    print(f"{with_faces} paintings of the astronaut's portrait: a face found in {faces_found}")
    missed = []
    scenes = 0
    for background in ("chelsea", "coffee"):
        for eyes in (12, 16, 20, 24, 32, 40, 48, 64):
            scene, _ = references.small_face_scene(eyes, 1024, background=background)
            scenes += 1
            if photo_face_width(_copy(scene)) is None:
                missed.append(f"{background}, eyes {eyes} px apart in 1024")
    print(f"{scenes} pasted faces: {len(missed)} missed")
    for name in missed:
        print("   ", name)


if __name__ == "__main__":
    main()
