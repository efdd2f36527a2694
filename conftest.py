"""Fixtures shared by every app's tests."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from PIL import Image

if TYPE_CHECKING:
    from django.test import Client
    from pytest_django.fixtures import Settings

    from orders.models import Order
    from styles.models import Style

SHARED = Path(__file__).resolve().parent.parent / "shared"
# Renders in tests (and the workers they start) run one convolution path instead of measuring them
# (a render worker's warm-up would spend minutes choosing paths for the default recipe's sizes), and
# keep nothing in the developer's model cache. painter/tests/test_convpath.py measures.
os.environ.setdefault("PICMATIX_CONV_PATH", "channels_last")
os.environ.setdefault("PICMATIX_CONV_PATH_CACHE", "off")
# moto's S3 server on 127.0.0.1 (fixtures `s3_server`, `s3`), for the storage and production tests.
pytest_plugins = ["picmatix.tests.s3server", "picmatix.tests.smtpserver"]


def _reachable(url: str, default_port: int) -> bool:
    import socket
    from urllib.parse import urlparse

    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked `pg` need the real PostgreSQL and Redis: skip elsewhere, fail in CI."""
    if item.get_closest_marker("pg") is None:
        return
    from django.conf import settings

    problems = []
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        problems.append("DATABASE_URL does not point at PostgreSQL")
    elif not _reachable(f"//{database.get('HOST') or '127.0.0.1'}:{database.get('PORT') or 5432}", 5432):
        problems.append("PostgreSQL is not reachable")
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis://"):
        problems.append("PICMATIX_TEST_BROKER_URL does not point at Redis")
    elif not _reachable(broker, 6379):
        problems.append("Redis is not reachable")
    if problems:
        message = "; ".join(problems) + ". Run `make test`, which runs these against 127.0.0.1 (see Makefile)."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def shared_path(*parts: str) -> Path:
    """A file from ../shared, or a skip (a failure in CI, where ../shared is always present)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"{path} is missing: the tests read ../shared beside the repository"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def jpeg_bytes(size: tuple[int, int] = (96, 72), colour: tuple[int, int, int] = (200, 120, 40)) -> bytes:
    image = Image.new("RGB", size, colour)
    for x in range(0, size[0], 8):  # some texture, so style losses are not degenerate
        image.paste((40, 60, 160), (x, 0, x + 3, size[1]))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Rate limits and cached progress live in the cache: no test sees another's."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def media(settings: Settings, tmp_path: Path) -> Path:
    """Each test stores its files in a fresh folder, so file counts are exact."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    return root


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture
def style(db: None, media: Path) -> Style:
    """An active style with a real image; its recipe is whatever a test needs (empty by default)."""
    from styles.models import Style
    from styles.services import style_set_image

    style = Style.objects.create(slug="nocturne", name_en="Nocturne", name_es="Nocturno", active=True, recipe={})
    return style_set_image(style=style, image_bytes=jpeg_bytes((64, 64), (30, 60, 150)))


@pytest.fixture
def staff_client(client: Client, django_user_model: Any) -> Callable[..., Client]:
    """Log in a staff user who holds only the permissions named ("orders.refund_order", ...)."""
    from django.contrib.auth.models import Permission

    def login(*perms: str, username: str = "curator") -> Client:
        user = django_user_model.objects.create_user(username, password="pw-123456789", is_staff=True)
        for perm in perms:
            app_label, codename = perm.split(".")
            user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        client.force_login(user)
        return client

    return login


def png_bytes(size: tuple[int, int] = (192, 144), colour: tuple[int, int, int] = (90, 40, 140)) -> bytes:
    image = Image.new("RGB", size, colour)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def painted_order(style: Style) -> Order:
    """An order whose painting is done: a real photo, preview and HD image in storage; the customer
    agreed to the gallery."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from orders.models import Order, RenderJob

    order = Order.objects.create(
        email="ana@example.com",
        style=style,
        content_image=default_storage.save("uploads/photo.jpg", ContentFile(jpeg_bytes((640, 480)))),
        status=Order.Status.PREVIEW_READY,
        currency="EUR",
        gallery_consent=True,
    )
    RenderJob.objects.create(
        order=order,
        status=RenderJob.Status.DONE,
        preview=default_storage.save("renders/p-preview.jpg", ContentFile(jpeg_bytes((96, 72), (10, 90, 30)))),
        hd=default_storage.save("renders/p-hd.png", ContentFile(png_bytes((800, 600)))),
    )
    return order
