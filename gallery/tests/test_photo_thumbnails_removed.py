"""Upgrading deletes the photo thumbnails that earlier versions published beside the painting."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import SimpleNamespace

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

migration = importlib.import_module("gallery.migrations.0002_painting_only")


class Entries:
    """The historical GalleryEntry manager as the migration uses it (its `before` column is gone today)."""

    def __init__(self, names: list[str]) -> None:
        self.names = names

    def using(self, alias: str) -> Entries:
        assert alias == "migrated"  # the database being migrated, not the default one
        return self

    def exclude(self, **lookup: str) -> Entries:
        assert lookup == {"before": ""}
        return Entries([name for name in self.names if name])

    def values_list(self, field: str, *, flat: bool) -> list[str]:
        assert (field, flat) == ("before", True)
        return self.names


def test_the_migration_deletes_every_stored_photo_thumbnail_and_nothing_else(media: Path) -> None:
    photos = [default_storage.save(f"gallery/{n}-before.jpg", ContentFile(b"photo")) for n in ("a1", "b2")]
    painting = default_storage.save("gallery/a1-after.jpg", ContentFile(b"painting"))
    model = SimpleNamespace(objects=Entries([*photos, ""]))
    apps = SimpleNamespace(get_model=lambda app, name: model if (app, name) == ("gallery", "GalleryEntry") else None)
    schema_editor = SimpleNamespace(connection=SimpleNamespace(alias="migrated"))
    migration.delete_photo_thumbnails(apps, schema_editor)
    assert not any(default_storage.exists(name) for name in photos)
    assert default_storage.exists(painting)
    operations = [type(op).__name__ for op in migration.Migration.operations]
    assert operations == ["RunPython", "RemoveField", "RemoveField", "RemoveField"]  # files first, then columns
