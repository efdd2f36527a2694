"""Start real Celery processes (workers, beat) for tests, against the test's own database."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from celery import Celery
from django.conf import settings

from conftest import jpeg_bytes
from orders.images import photo_clean
from orders.models import Order, RenderJob
from orders.services import order_create
from styles.models import Style
from styles.services import style_set_image

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def process_env(var_dir: Path, media: Path, **overrides: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "picmatix.settings",
        "PICMATIX_VAR_DIR": str(var_dir),
        "MEDIA_ROOT": str(media),
        "DATABASE_URL": database_url(),
        "PICMATIX_EMAIL": "file",
        "PICMATIX_RENDER_DEVICE": "cpu",
        "PICMATIX_RENDER_PROGRESS_EVERY_SECONDS": "0",
        # One torch thread per worker: several workers share this machine's two cores.
        "OMP_NUM_THREADS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    env.update(overrides)
    return env


def filesystem_publisher(var_dir: Path) -> Celery:
    """What a web process does in the embedded default: publish to the broker folder in `var_dir`
    (the same layout as picmatix/settings.py makes), for a worker started with that var dir."""
    folders = {name: var_dir / "broker" / name for name in ("queue", "processed", "control")}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    options = {
        "data_folder_in": str(folders["queue"]),
        "data_folder_out": str(folders["queue"]),
        "processed_folder": str(folders["processed"]),
        "control_folder": str(folders["control"]),
    }
    return Celery(set_as_current=False, broker="filesystem://", broker_transport_options=options)


def start_worker(env: dict[str, str], *, name: str, queues: str = "render,default") -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "celery", "-A", "picmatix", "worker", "-Q", queues, "-n", f"{name}@%h",
        "--pool", "solo", "--concurrency", "1", "--prefetch-multiplier", "1", "--loglevel", "INFO",
        "--without-heartbeat", "--without-mingle", "--without-gossip",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def start_beat(env: dict[str, str], schedule: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "celery", "-A", "picmatix", "beat", "-s", str(schedule), "--loglevel", "INFO"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen[bytes], *, timeout: float = 30) -> str:
    if process.poll() is None:
        process.terminate()
    try:
        output = process.communicate(timeout=timeout)[0]
    except subprocess.TimeoutExpired:
        process.kill()
        output = process.communicate()[0]
    return (output or b"").decode(errors="replace")


def wait_for(condition: Callable[[], bool], *, timeout: float, interval: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def recipe(*, size: int, iterations: int) -> dict[str, Any]:
    from painter.recipe import recipe_preset

    data = recipe_preset("tiny").to_dict()
    data["passes"] = [dict(data["passes"][0], size=size, iterations=iterations, init="image")]
    data["upscale"] = {"method": "none", "noise": None, "scale": 2}
    return data


def make_style(data: dict[str, Any]) -> Style:
    style = Style.objects.create(slug="q", name_en="Q", name_es="Q", active=True, recipe=data)
    return style_set_image(style=style, image_bytes=jpeg_bytes((64, 64), (30, 60, 150)))


def place_orders(style: Style, count: int) -> list[Order]:
    data = jpeg_bytes((80, 64))
    orders = []
    for n in range(count):
        photo = photo_clean(io.BytesIO(data), size=len(data), max_bytes=10**7, max_pixels=10**7)
        orders.append(order_create(email=f"c{n}@example.com", style=style, photo=photo, language="en"))
    return orders


def statuses(orders: list[Order]) -> list[str]:
    return list(RenderJob.objects.filter(order__in=orders).values_list("status", flat=True))


def all_done(orders: list[Order]) -> bool:
    return statuses(orders).count(RenderJob.Status.DONE) == len(orders)
