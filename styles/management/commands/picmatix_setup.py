from __future__ import annotations

import os
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from payments.services import WEBHOOK_EVENTS, stripe_webhook_endpoint_sync
from styles.demo import DEMO_STYLES, demo_style_jpeg
from styles.models import Style
from styles.recipes import recipe_preset_dict
from styles.services import style_create


class Command(BaseCommand):
    help = "Create the demo styles and a staff account if they do not exist yet (safe to run again)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--recipe", default=settings.DEFAULT_STYLE_RECIPE, help="Preset for the demo styles.")
        parser.add_argument("--username", default=os.environ.get("PICMATIX_ADMIN_USER", "admin"))

    def handle(self, *args: Any, recipe: str, username: str, **options: Any) -> None:
        for position, demo in enumerate(DEMO_STYLES):
            if Style.objects.filter(slug=demo.slug).exists():
                continue
            style_create(
                slug=demo.slug,
                name_en=demo.name_en,
                name_es=demo.name_es,
                description_en=demo.description_en,
                description_es=demo.description_es,
                image_bytes=demo_style_jpeg(demo),
                recipe=recipe_preset_dict(recipe),
                position=position,
            )
            self.stdout.write(f"created demo style {demo.slug} (recipe {recipe})")
        webhook_url = stripe_webhook_endpoint_sync()
        if webhook_url:
            self.stdout.write(f"Stripe webhook endpoint (events: {', '.join(WEBHOOK_EVENTS)}): {webhook_url}")
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
