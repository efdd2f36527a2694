from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from painter.errors import EngineError
from painter.references import CALIBRATION_KEYS, reference_photos
from payments.providers.stripe import WEBHOOK_EVENTS, stripe_webhook_endpoint_sync
from styles.calibration import style_calibration_start
from styles.demo import DEMO_STYLES, demo_style_jpeg
from styles.models import SamplePhoto, Style, StyleTrial
from styles.paintings import ManifestError, paintings_in
from styles.recipes import recipe_preset_dict
from styles.samples import GENERATED, generated_jpeg
from styles.services import sample_photo_add, style_create

# Without scikit-image's photographs, the drawn ones stand in (the shop may show both).
DRAWN_REFERENCES = ("Small face in a park", "Mountain lake", "Flower bed")


@dataclass(frozen=True)
class NewStyle:
    """A style setup creates, from a painting in a folder or drawn by our own code."""

    slug: str
    name_en: str
    name_es: str
    description_en: str
    description_es: str
    image: Callable[[], bytes]
    recipe: str | None
    allow_original_colours: bool
    origin: str


def _drawn_styles() -> list[NewStyle]:
    return [
        NewStyle(
            slug=demo.slug,
            name_en=demo.name_en,
            name_es=demo.name_es,
            description_en=demo.description_en,
            description_es=demo.description_es,
            image=partial(demo_style_jpeg, demo),
            recipe=None,
            allow_original_colours=True,
            origin="the drawn demo styles",
        )
        for demo in DEMO_STYLES
    ]


class Command(BaseCommand):
    help = (
        "Create the styles (from a folder of paintings, else the drawn demo styles), an example painting "
        "for each, and a staff account, where they do not exist yet (safe to run again)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--recipe", default=settings.DEFAULT_STYLE_RECIPE, help="Preset for the new styles.")
        parser.add_argument("--username", default=os.environ.get("PICMATIX_ADMIN_USER", "admin"))
        parser.add_argument(
            "--paintings",
            default=os.environ.get("PICMATIX_STYLE_PAINTINGS_DIR", ""),
            help="Folder of paintings to load as styles, described by its styles.json or by picmatix's "
            "list of public-domain paintings (default: $PICMATIX_STYLE_PAINTINGS_DIR; none: the drawn styles).",
        )
        parser.add_argument(
            "--no-examples",
            action="store_true",
            help="Do not add the reference photos or queue the calibrations (each followed by the example painting).",
        )

    def handle(self, *args: Any, recipe: str, username: str, paintings: str, no_examples: bool, **options: Any) -> None:
        for position, style in enumerate(self._paintings(paintings) or _drawn_styles()):
            if Style.objects.filter(slug=style.slug).exists():
                continue
            preset = style.recipe or recipe
            style_create(
                slug=style.slug,
                name_en=style.name_en,
                name_es=style.name_es,
                description_en=style.description_en,
                description_es=style.description_es,
                image_bytes=style.image(),
                recipe=recipe_preset_dict(preset),
                position=position,
                allow_original_colours=style.allow_original_colours,
            )
            self.stdout.write(f"created style {style.slug} from {style.origin} (recipe {preset})")
        if not no_examples:
            self._reference_photos()
            self._queue_calibrations()
        webhook_url = stripe_webhook_endpoint_sync()
        if webhook_url:
            self.stdout.write(f"Stripe webhook endpoint (events: {', '.join(WEBHOOK_EVENTS)}): {webhook_url}")
        self._staff_account(username)

    def _paintings(self, folder: str) -> list[NewStyle]:
        """The folder's paintings as styles; none when there is no folder or nothing in it to load."""
        if not folder:
            return []
        path = Path(folder).expanduser()
        if not path.is_dir():
            raise CommandError(f"--paintings {folder}: no such folder")
        try:
            found = paintings_in(path)
        except ManifestError as error:
            raise CommandError(str(error)) from error
        if not found:
            self.stdout.write(f"no paintings described by a manifest in {path}: using the drawn demo styles")
        return [
            NewStyle(
                slug=painting.slug,
                name_en=painting.name_en,
                name_es=painting.name_es,
                description_en=painting.description_en,
                description_es=painting.description_es,
                image=painting.path.read_bytes,
                recipe=painting.recipe,
                allow_original_colours=painting.allow_original_colours,
                origin=str(painting.path),
            )
            for painting in found
        ]

    def _reference_photos(self) -> None:
        """The sample photos calibration and the examples paint, first in order: scikit-image's
        public-domain and CC0 photographs (a portrait, a cat, a launch), else drawn ones."""
        if SamplePhoto.objects.exists():
            return
        try:
            found = [(ref.title, path.read_bytes()) for ref, path in reference_photos(CALIBRATION_KEYS)]
        except (EngineError, OSError) as error:
            self.stdout.write(f"no reference photographs ({error}): using drawn sample photos")
            found = [(title, generated_jpeg(GENERATED[title])) for title in DRAWN_REFERENCES]
        for position, (title, data) in enumerate(found):
            sample_photo_add(image_bytes=data, title=title, position=position)
            self.stdout.write(f"added the sample photo {title}")

    def _queue_calibrations(self) -> None:
        """A calibration of each active style never calibrated; when it is done, the style's recipe
        has its calibrated weights and its card's example is painted from the reference portrait."""
        pending = StyleTrial.objects.filter(
            kind=StyleTrial.Kind.CALIBRATION, status__in=(StyleTrial.Status.QUEUED, StyleTrial.Status.RUNNING)
        )
        for style in Style.objects.active().filter(calibration={}).exclude(trials__in=pending):
            style_calibration_start(style=style, actor="setup")
            self.stdout.write(f"queued the calibration of {style.slug} (its example follows)")

    def _staff_account(self, username: str) -> None:
        users = get_user_model().objects
        if not users.filter(username=username).exists():
            password = os.environ.get("PICMATIX_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
            users.create_superuser(username=username, email="", password=password)
            path = settings.VAR_DIR / "admin-password.txt"
            path.write_text(f"{username}\n{password}\n")
            path.chmod(0o600)
            self.stdout.write(self.style.SUCCESS(f"staff account: {username} / {password} (also in {path})"))
        else:
            self.stdout.write(
                f"staff account {username} exists (password in {settings.VAR_DIR / 'admin-password.txt'})"
            )
