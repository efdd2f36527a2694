"""An order rendered by a real Celery worker process on the embedded (filesystem) transport."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.conf import settings as django_settings
from PIL import Image, ImageChops, ImageStat

from conftest import shared_path
from orders.images import photo_clean
from orders.models import Order, OrderEvent, RenderJob
from orders.services import order_create
from painter.recipe import recipe_preset
from rendering.tests.processes import filesystem_publisher, process_env, start_worker
from styles.models import Style
from styles.services import style_set_image

if TYPE_CHECKING:
    from pytest_mock import MockerFixture


pytest.importorskip("torch")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_renders_an_order_and_emails_the_preview(
    tmp_path: Path, media: Path, mocker: MockerFixture
) -> None:
    if django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("this test covers the embedded default (SQLite + filesystem broker)")
    style_photo = Image.open(shared_path("images", "styles", "starry_night.jpg")).convert("RGB")
    style_photo.thumbnail((128, 128))
    import io

    buffer = io.BytesIO()
    style_photo.save(buffer, "JPEG")
    recipe = recipe_preset("tiny").to_dict()
    recipe["upscale"] = {"method": "waifu2x", "noise": 2, "scale": 2}  # whatever this process's environment
    style = Style.objects.create(slug="starry", name_en="Starry", name_es="Estrellada", active=True, recipe=recipe)
    style_set_image(style=style, image_bytes=buffer.getvalue())
    content = Image.open(shared_path("images", "content", "tubingen.jpg")).convert("RGB")
    content.thumbnail((120, 120))
    buffer = io.BytesIO()
    content.save(buffer, "JPEG")
    photo = photo_clean(io.BytesIO(buffer.getvalue()), size=len(buffer.getvalue()), max_bytes=10**7, max_pixels=10**7)
    mocker.patch("orders.enqueue.render_job_enqueue")  # published below, to the worker's broker
    order = order_create(email="ana@example.com", style=style, photo=photo, language="es")
    job = order.jobs.get()

    var_dir = tmp_path / "worker-var"
    env = process_env(
        var_dir,
        media,
        CELERY_BROKER_URL="filesystem://",
        PICMATIX_WAIFU2X_DIR=str(shared_path("models", "waifu2x", "upconv_7_photo")),
    )
    env.pop("CELERY_BROKER_TRANSPORT_OPTIONS", None)
    worker = start_worker(env, name="e2e")
    started = time.monotonic()
    try:
        app = filesystem_publisher(var_dir)
        # The same message twice, as a broker redelivery would: it must render once.
        for _ in range(2):
            app.send_task("rendering.tasks.render_job_run", args=[job.pk], queue="render")
        deadline = started + 240
        while time.monotonic() < deadline:
            job.refresh_from_db()
            order.refresh_from_db()
            if job.status in (RenderJob.Status.DONE, RenderJob.Status.FAILED) and order.preview_email_sent_at:
                break
            if worker.poll() is not None:
                break
            time.sleep(0.5)
    finally:
        worker.terminate()
        try:
            output = worker.communicate(timeout=30)[0].decode(errors="replace")
        except subprocess.TimeoutExpired:
            worker.kill()
            output = worker.communicate()[0].decode(errors="replace")
    elapsed = time.monotonic() - started
    print(f"worker rendered the order in {elapsed:.1f} s")
    assert job.status == RenderJob.Status.DONE, output[-4000:]
    assert job.attempts == 1
    assert order.status == Order.Status.PREVIEW_READY
    assert list(order.events.values_list("kind", flat=True)) == [
        OrderEvent.Kind.ORDER_CREATED,
        OrderEvent.Kind.RENDER_CLAIMED,
        OrderEvent.Kind.RENDER_DONE,
        OrderEvent.Kind.PREVIEW_EMAIL_SENT,
    ]
    assert job.progress["iteration"] == job.progress["iterations"]
    assert job.progress["passes"] == 2

    preview = Image.open(media / job.preview.name)
    hd = Image.open(media / job.hd.name)
    assert hd.size[0] > preview.size[0]  # the HD image is the 2x upscale
    # The watermark: the preview differs from the (unmarked) HD image scaled to the same size.
    plain = hd.convert("RGB").resize(preview.size, Image.Resampling.LANCZOS)
    difference = ImageStat.Stat(ImageChops.difference(preview.convert("RGB"), plain).convert("L")).mean[0]
    assert difference > 3, difference

    mails = list((var_dir / "mail").glob("*.log"))
    assert len(mails) == 1
    assert f"/es/orders/{order.token}/" in mails[0].read_text()
