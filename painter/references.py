"""Reference photographs: real photos whose licence lets the shop paint and show them.

Calibration (painter.calibrate), the style cards' examples and staff test renders need photos with
the fine detail and smooth skin of a customer's, not drawings (on which any style looks strong).
scikit-image's wheel carries public-domain and CC0 photographs; they are read here as files from the
installed package, without importing scikit-image (and its scipy). A folder of the operator's own
photos may replace them.

Each photo has a role, so that a calibration always sees a face, an animal and a scene. The face's
eyes and mouth are marked (``landmarks``, fractions of the width and height) for the check that a
painting keeps them where they are (painter.faces).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from .errors import EngineError

__all__ = ["REFERENCES", "Reference", "reference_folder", "reference_photos", "small_face_scene"]


@dataclass(frozen=True)
class Reference:
    """One reference photograph in scikit-image's data folder."""

    key: str
    file: str
    role: str  # "face", "animal" or "scene"
    title: str
    licence: str
    landmarks: dict[str, tuple[float, float]] = field(default_factory=dict)


#: The calibration's photos first (a face, an animal, a scene); the rest are held out: the benchmark
#: (bench/calibration.py) judges on them what was chosen on the first three.
REFERENCES = (
    Reference(
        "astronaut",
        "astronaut.png",
        "face",
        "Eileen Collins, astronaut",
        "NASA, public domain",
        # Marked by hand on the 512 x 512 file: the centre of each eye and of the mouth.
        {"left eye": (0.396, 0.196), "right eye": (0.484, 0.207), "mouth": (0.440, 0.285)},
    ),
    Reference("chelsea", "chelsea.png", "animal", "Chelsea the cat", "CC0, Stefan van der Walt"),
    Reference("rocket", "rocket.jpg", "scene", "Falcon 9 launch", "SpaceX, public domain"),
    Reference("coffee", "coffee.png", "scene", "Coffee cup", "CC0, Rachel Michetti"),
    Reference("camera", "camera.png", "face", "Photographer in a field", "CC0, Lav Varshney"),
)
CALIBRATION_KEYS = ("astronaut", "chelsea", "rocket")


def reference_folder() -> Path:
    """scikit-image's data folder, found without importing the package; EngineError when it is not
    installed (``pip install scikit-image``, a dependency of the shop)."""
    spec = importlib.util.find_spec("skimage")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        folder = Path(location) / "data"
        if (folder / REFERENCES[0].file).is_file():
            return folder
    raise EngineError(
        "the reference photos come with scikit-image, which is not installed here: "
        "pip install scikit-image, or give the photos to use (--photos)"
    )


def reference_photos(keys: tuple[str, ...] = CALIBRATION_KEYS) -> list[tuple[Reference, Path]]:
    """The reference photos named by ``keys``, in that order, with their files."""
    folder = reference_folder()
    by_key = {ref.key: ref for ref in REFERENCES}
    unknown = [key for key in keys if key not in by_key]
    if unknown:
        raise EngineError(f"unknown reference photos {unknown}: use some of {', '.join(by_key)}")
    return [(by_key[key], folder / by_key[key].file) for key in keys]


# The astronaut's head and shoulders in her 512 px file, pasted into a scene for a small face.
_HEAD_AND_SHOULDERS = (96, 0, 368, 320)


def small_face_scene(
    eye_distance: float, long_side: int, background: str = "rocket"
) -> tuple[Image.Image, dict[str, tuple[float, float]]]:
    """The seed's known hard case, a small face in a big frame: the astronaut's head and shoulders
    pasted into another reference photo (the launch unless told), ``long_side`` px wide, her eyes
    ``eye_distance`` px apart; with her landmarks as fractions of the scene."""
    by_key = {ref.key: ref for ref in REFERENCES}
    ((astronaut, face_path), (_, scene_path)) = reference_photos(("astronaut", background))
    with Image.open(scene_path) as opened:
        scene = opened.convert("RGB")
    scene = scene.resize((long_side, round(long_side * scene.height / scene.width)), Image.Resampling.LANCZOS)
    (lx, ly), (rx, ry) = by_key["astronaut"].landmarks["left eye"], by_key["astronaut"].landmarks["right eye"]
    with Image.open(face_path) as opened:
        side = opened.width
        eyes_in_file = ((rx - lx) ** 2 + (ry - ly) ** 2) ** 0.5 * side
        person = opened.convert("RGB").crop(_HEAD_AND_SHOULDERS)
    scale = eye_distance / eyes_in_file
    person = person.resize(
        (max(1, round(person.width * scale)), max(1, round(person.height * scale))), Image.Resampling.LANCZOS
    )
    # Standing at the bottom, left of the rocket, as a visitor's photo would have her; a person taller
    # than the scene keeps her head in it and loses her shoulders.
    left, top = round(scene.width * 0.22), max(0, scene.height - person.height)
    scene.paste(person, (left, top))
    landmarks = {
        name: (
            (left + (x * side - _HEAD_AND_SHOULDERS[0]) * scale) / scene.width,
            (top + (y * side - _HEAD_AND_SHOULDERS[1]) * scale) / scene.height,
        )
        for name, (x, y) in astronaut.landmarks.items()
    }
    return scene, landmarks
