from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from styles.samples import GENERATED, generated_jpeg
from styles.services import sample_photo_add


class Command(BaseCommand):
    help = (
        "Add sample photos for test renders: the image files given, and/or with --generated three drawn "
        "ones (a small face, a landscape, flowers) for a shop that has no photos of its own yet."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("files", nargs="*", help="JPEG, PNG or WebP files; the title is the file name.")
        parser.add_argument("--generated", action="store_true", help="Also add the three drawn sample photos.")

    def handle(self, *args: Any, files: list[str], generated: bool, **options: Any) -> None:
        if not files and not generated:
            raise CommandError("Name some image files, or pass --generated.")
        for name in files:
            path = Path(name)
            try:
                sample = sample_photo_add(image_bytes=path.read_bytes(), title=path.stem.replace("_", " "))
            except (OSError, ValidationError) as error:
                raise CommandError(f"{name}: {error}") from error
            self.stdout.write(f"added sample photo {sample.pk}: {sample.title} ({sample.width}x{sample.height})")
        if generated:
            for title, draw in GENERATED.items():
                sample = sample_photo_add(image_bytes=generated_jpeg(draw), title=title)
                self.stdout.write(f"added sample photo {sample.pk}: {sample.title}")
