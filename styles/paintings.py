"""Styles from a folder of paintings, each with its names, description and recipe (a manifest).

The manifest is the folder's own `styles.json` when it has one, else the one shipped here, which
lists only paintings in the public domain: a shop may show those to its customers. Paintings the
manifest names but the folder lacks are skipped, and so is every file the manifest does not name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

BUILTIN_MANIFEST = Path(__file__).resolve().parent / "paintings.json"
MANIFEST_NAME = "styles.json"


@dataclass(frozen=True)
class Painting:
    path: Path
    slug: str
    name_en: str
    name_es: str
    description_en: str = ""
    description_es: str = ""
    recipe: str | None = None
    allow_original_colours: bool = False


class ManifestError(ValueError):
    """A manifest that cannot be read; the message names the file and the entry."""


def paintings_in(folder: Path) -> list[Painting]:
    """The paintings of `folder` that its manifest (or ours) describes, in the manifest's order."""
    manifest = folder / MANIFEST_NAME if (folder / MANIFEST_NAME).is_file() else BUILTIN_MANIFEST
    try:
        entries = json.loads(manifest.read_text(encoding="utf-8"))["paintings"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ManifestError(f"{manifest}: not a paintings manifest ({error})") from error
    found = []
    for index, entry in enumerate(entries):
        try:
            painting = Painting(
                path=folder / Path(entry["file"]).name,  # a bare name: the manifest cannot point elsewhere
                slug=entry["slug"],
                name_en=entry["name_en"],
                name_es=entry["name_es"],
                description_en=entry.get("description_en", ""),
                description_es=entry.get("description_es", ""),
                recipe=entry.get("recipe"),
                allow_original_colours=bool(entry.get("allow_original_colours", False)),
            )
        except (KeyError, TypeError) as error:
            raise ManifestError(f"{manifest}: paintings[{index}] lacks {error}") from error
        if painting.path.is_file():
            found.append(painting)
    return found
