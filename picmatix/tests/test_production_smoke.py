"""The production stack, for real: gunicorn, a Celery worker and beat with production settings on
PostgreSQL, Redis and S3 (moto's server), one order placed over HTTP and painted.

Needs PostgreSQL on 127.0.0.1:5432 (trust auth, user postgres) and Redis on 127.0.0.1:6379; it
creates and drops a throwaway database and uses (and flushes) Redis database 13 only.
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from PIL import Image

from conftest import shared_path
from picmatix.tests.s3server import AWS_ENV, REGION, s3_client

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
PG = "postgresql://postgres@127.0.0.1:5432"
# Flushed before and after; another number lets runs beside each other (one machine, several checkouts) not collide.
REDIS_DB = int(os.environ.get("PICMATIX_SMOKE_REDIS_DB", "13"))
HOW_TO_RUN = (
    "start PostgreSQL on 127.0.0.1:5432 (trust auth, user postgres) and Redis on 127.0.0.1:6379, then run "
    ".venv/bin/pytest -m slow picmatix/tests/test_production_smoke.py"
)


def require_services() -> None:
    """PostgreSQL and Redis, or a skip that says how to run this (a failure in CI, which has both)."""
    import psycopg
    import redis

    try:
        psycopg.connect(f"{PG}/postgres", connect_timeout=3).close()
        redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB, socket_connect_timeout=3).ping()
    except (psycopg.OperationalError, redis.exceptions.ConnectionError) as error:
        message = f"PostgreSQL or Redis is not reachable ({error.__class__.__name__}): {HOW_TO_RUN}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def small_jpeg(path: Path, side: int) -> bytes:
    image = Image.open(path).convert("RGB")
    image.thumbnail((side, side))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@dataclass
class Stack:
    env: dict[str, str]
    url: str
    folder: Path
    database: str
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def manage(self, *args: str, **env: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        return result.stdout

    def start(self, name: str, *command: str) -> None:
        log = open(self.folder / f"{name}.out", "wb")  # noqa: SIM115 (closed with the process)
        env = {**self.env, "PICMATIX_LOG_FILE": str(self.folder / f"{name}.log")}
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", *command], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )

    def alive(self) -> None:
        for name, process in self.processes.items():
            assert process.poll() is None, f"{name} exited with {process.returncode}:\n{self.tail(name)}"

    def tail(self, name: str, chars: int = 3000) -> str:
        path = self.folder / f"{name}.out"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def log_lines(self, name: str) -> list[dict]:
        path = self.folder / f"{name}.log"
        return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def stack(tmp_path: Path, s3_server: str) -> Iterator[Stack]:
    require_services()
    import psycopg
    import redis

    database = f"picmatix_smoke_{secrets.token_hex(4)}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{database}"')
    cache = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    cache.flushdb()
    bucket = f"picmatix-smoke-{secrets.token_hex(4)}"
    s3_client(s3_server).create_bucket(Bucket=bucket)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PICMATIX_", "DJANGO_", "AWS_", "CELERY_", "DATABASE_", "REDIS_", "SENTRY_"))
    }
    env = {
        **inherited,
        **AWS_ENV,
        "DJANGO_SETTINGS_MODULE": "picmatix.settings",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": url,
        "PICMATIX_SITE_URL": url,
        "PICMATIX_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "PICMATIX_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": s3_server,
        "AWS_S3_REGION_NAME": REGION,
        "STATIC_ROOT": str(tmp_path / "static"),
        "PICMATIX_STATIC_FINDERS": "0",
        "PICMATIX_STATIC_MANIFEST": "1",
        "PICMATIX_EMAIL": "file",
        "PICMATIX_LOG_FORMAT": "json",
        "PICMATIX_RENDER_DEVICE": "cpu",
        "PICMATIX_RENDER_PROGRESS_EVERY_SECONDS": "0",
        "PICMATIX_REAP_EVERY_SECONDS": "3",
        "PICMATIX_WAIFU2X_DIR": str(shared_path("models", "waifu2x", "upconv_7_photo")),
        # One convolution path: the render worker's warm-up would otherwise time them for the default
        # recipe's 350 to 960 px passes (minutes) and write them to the developer's model cache.
        "PICMATIX_CONV_PATH": "channels_last",
        "PICMATIX_CONV_PATH_CACHE": "off",
        "PICMATIX_MODEL_CACHE": str(tmp_path / "model-cache"),
        # gunicorn, as deploy/gunicorn.conf.py reads it
        "PICMATIX_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "PICMATIX_WEB_THREADS": "1",
    }
    stack = Stack(env=env, url=url, folder=tmp_path, database=database)
    try:
        yield stack
    finally:
        stack.stop()
        cache.flushdb()
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def test_an_order_placed_over_http_is_painted_by_the_production_stack(stack: Stack) -> None:
    started = time.monotonic()
    stack.manage("migrate", "--noinput", "--verbosity", "0")
    stack.manage("collectstatic", "--noinput", "--verbosity", "0")
    # Django's deployment checklist, clean, with these settings as production runs them: behind the
    # TLS load balancer (PICMATIX_HTTPS; this test's stack itself speaks plain HTTP on 127.0.0.1).
    # No warning or error; the only messages allowed are the set-up notices (core/checks.py), which say
    # that this stack runs without payments, as it does on purpose. Production refuses to start
    # without an https:// site, SMTP, reCAPTCHA and its proxies named: given here for the check alone.
    production = {
        "PICMATIX_HTTPS": "true",
        "PICMATIX_SITE_URL": "https://shop.example.com",
        "PICMATIX_EMAIL": "smtp",
        "PICMATIX_RECAPTCHA": "on",
        "RECAPTCHA_PUBLIC_KEY": "6Lc-public",
        "RECAPTCHA_PRIVATE_KEY": "6Lc-private",
        "PICMATIX_TRUSTED_PROXIES": "10.0.0.0/8",
    }
    checked = stack.manage("check", "--deploy", "--fail-level", "WARNING", "--database", "default", **production)
    reported = set(re.findall(r"^\S*: \(([\w.]+)\)", checked, flags=re.MULTILINE))
    assert reported <= {"picmatix.I001", "picmatix.I002", "picmatix.I003"}, checked
    style_image = shared_path("images", "styles", "starry_night.jpg")
    script = (
        "from pathlib import Path\n"
        "from picmatix.tests.test_production_smoke import small_jpeg\n"
        "from painter.recipe import recipe_preset\n"
        "from styles.services import style_create\n"
        f"image = small_jpeg(Path('{style_image}'), 128)\n"
        "recipe = recipe_preset('tiny').to_dict()\n"
        "style = style_create(slug='smoke', name_en='Smoke', name_es='Humo', image_bytes=image, recipe=recipe)\n"
        "print('style', style.pk)\n"
    )
    [style_pk] = re.findall(r"^style (\d+)$", stack.manage("shell", "--no-imports", "-c", script), re.MULTILINE)
    migrated = time.monotonic() - started
    stack.start("web", "gunicorn", "picmatix.wsgi:application", "--config", "deploy/gunicorn.conf.py")
    stack.start(
        "worker",
        *("celery", "-A", "picmatix", "worker", "-Q", "render,default", "--pool", "solo", "--concurrency", "1"),
        *("--prefetch-multiplier", "1", "--without-mingle", "--without-gossip", "--loglevel", "INFO"),
    )
    stack.start("beat", "celery", "-A", "picmatix", "beat", "--schedule", str(stack.folder / "beat-schedule"))

    http = requests.Session()
    deadline = time.monotonic() + 60
    while True:
        stack.alive()
        try:
            if http.get(f"{stack.url}/readyz", timeout=10).status_code == 200:
                break
        except (requests.ConnectionError, requests.Timeout):  # a busy machine: ask again until the deadline
            pass
        assert time.monotonic() < deadline, stack.tail("web")
        time.sleep(0.5)
    setup_seconds = time.monotonic() - started
    ready = http.get(f"{stack.url}/readyz", timeout=10).json()
    assert all(check["ok"] for check in ready["checks"].values()), ready

    # The customer's journey: the form (and its CSRF cookie), then the photo.
    page = http.get(f"{stack.url}/en/", timeout=10)
    assert page.status_code == 200
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    static = re.search(r'href="(/static/picmatix/site\.[0-9a-f]+\.css)"', page.text)
    assert static, "collectstatic's hashed names are served"
    assert http.get(stack.url + static.group(1), timeout=10).status_code == 200
    photo = small_jpeg(shared_path("images", "content", "tubingen.jpg"), 120)
    placed = time.monotonic()
    response = http.post(
        f"{stack.url}/en/",
        data={"csrfmiddlewaretoken": csrf, "style": style_pk, "email": "ana@example.com"},
        files={"photo": ("tubingen.jpg", photo, "image/jpeg")},
        headers={"Referer": f"{stack.url}/en/"},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 303, response.text[-2000:]
    order_url = stack.url + response.headers["Location"]
    token = order_url.rstrip("/").rsplit("/", 1)[-1]

    progress: dict = {}
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        stack.alive()
        progress = http.get(f"{order_url}progress.json", timeout=10).json()
        if progress["status"] in ("preview_ready", "failed"):
            break
        time.sleep(1)
    painted = time.monotonic() - placed
    assert progress.get("status") == "preview_ready", (progress, stack.tail("worker"))

    # The preview: a redirect to a presigned S3 URL that serves the JPEG.
    redirect = http.get(stack.url + progress["preview_url"], allow_redirects=False, timeout=10)
    assert redirect.status_code == 302
    assert "X-Amz-Signature=" in redirect.headers["Location"]
    preview = requests.get(redirect.headers["Location"], timeout=10)
    assert preview.status_code == 200
    assert preview.content[:2] == b"\xff\xd8"

    # Beat sends periodic tasks through Redis to the worker (the reaper runs every 3 s here).
    deadline = time.monotonic() + 30
    while "orders.tasks.render_jobs_reap" not in stack.tail("worker", 200_000) and time.monotonic() < deadline:
        time.sleep(1)
    assert "orders.tasks.render_jobs_reap" in stack.tail("worker", 200_000), stack.tail("beat")

    # JSON logs carry the ids: the web tier's line for the new order, the worker's for its job.
    import psycopg

    with psycopg.connect(f"{PG}/{stack.database}") as connection:
        row = connection.execute(
            "SELECT o.id, j.id FROM orders_order o JOIN orders_renderjob j ON j.order_id = o.id WHERE o.token = %s",
            [token],
        ).fetchone()
    assert row is not None
    order_id, job_id = row
    assert any(line.get("order_id") == order_id for line in stack.log_lines("web"))
    assert any(line.get("job_id") == job_id for line in stack.log_lines("worker"))

    # The order's token opened every page above, yet neither gunicorn's access log (web.out) nor the
    # app's log lines hold it: only [redacted] where it was.
    access = stack.tail("web", 10_000_000)
    assert '"GET /en/orders/[redacted]/progress.json HTTP/1.1" 200' in access, access[-2000:]
    for name in ("web.out", "web.log", "worker.out", "worker.log", "beat.out"):
        path = stack.folder / name
        assert not path.exists() or token not in path.read_text(errors="replace"), name
    # The worker's warm-up wrote nothing to the model cache (it would time paths, then keep them there).
    assert not (stack.folder / "model-cache" / "conv-paths.json").exists()
    print(
        f"\nsmoke: migrate + collectstatic + style {migrated:.1f} s, ready {setup_seconds:.1f} s, "
        f"order painted {painted:.1f} s after it was placed"
    )
