"""A curator tries two recipes of a style on the sample photos and compares them side by side."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from conftest import jpeg_bytes, stored_files
from styles.models import SamplePhoto, StyleTrial, StyleTrialImage
from styles.recipes import recipe_preset_dict, recipe_preset_names
from styles.services import sample_photo_add, style_trial_start, trial_recipe

if TYPE_CHECKING:
    from unittest.mock import MagicMock

    from django.test import Client
    from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings
    from pytest_mock import MockerFixture

    from styles.models import Style


pytestmark = pytest.mark.django_db


@pytest.fixture
def samples(media: Path) -> list[SamplePhoto]:
    return [
        sample_photo_add(image_bytes=jpeg_bytes((120, 90), (200, 160, 120)), title="Small face"),
        sample_photo_add(image_bytes=jpeg_bytes((96, 128), (60, 140, 60)), title="Flowers"),
    ]


@pytest.fixture
def queued(mocker: MockerFixture) -> MagicMock:
    return mocker.patch("styles.services._enqueue_trial")


def painted(trial: Any, colour: Any) -> None:
    """Pretend a worker painted every sample of `trial`."""
    for item in trial.images.all():
        name = default_storage.save("trials/t.jpg", ContentFile(jpeg_bytes((64, 48), colour)))
        StyleTrialImage.objects.filter(pk=item.pk).update(image=name, width=64, height=48, seconds=1.5)
    StyleTrial.objects.filter(pk=trial.pk).update(status=StyleTrial.Status.DONE)


def test_a_test_render_paints_small_without_watermark_or_upscale() -> None:
    recipe = trial_recipe(recipe_preset_dict("seed"), max_size=384)
    assert [p["size"] for p in recipe["passes"]] == [140, 384]
    assert [p["iterations"] for p in recipe["passes"]] == [400, 200]
    assert recipe["watermark"]["enabled"] is False
    assert recipe["upscale"]["method"] == "none"
    assert [p["size"] for p in trial_recipe(recipe_preset_dict("tiny"), max_size=384)["passes"]] == [32, 48]


@pytest.mark.parametrize("preset", recipe_preset_names())
@pytest.mark.parametrize("max_size", [1, 32, 1024])
def test_every_valid_recipe_gives_a_valid_test_render(preset: str, max_size: int) -> None:
    # style_trial_start checks the recipe only: the worker's trial_recipe must then never refuse it.
    smallest = min(spec["size"] for spec in trial_recipe(recipe_preset_dict(preset), max_size=max_size)["passes"])
    assert smallest >= 16


def test_the_test_render_task_goes_to_the_render_queue() -> None:
    from picmatix.celery import app

    route = app.amqp.router.route({}, "rendering.tasks.style_trial_run", args=(1,), kwargs={})
    assert route["queue"].name == "render"


def test_staff_start_a_test_render_from_the_style(
    admin_client: Client,
    style: Style,
    samples: list[SamplePhoto],
    queued: MagicMock,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    url = f"/admin/styles/style/{style.pk}/test-renders/"
    assert "Sample photos in use: 2" in admin_client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, {"label": "A: quick", "preset": "quick", "max_size": "256", "recipe": ""})
    trial = StyleTrial.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{url}?a={trial.pk}"
    queued.assert_called_once_with(trial.pk)
    assert trial.recipe == recipe_preset_dict("quick")
    assert trial.max_size == 256
    assert trial.label == "A: quick"
    assert trial.requested_by == "staff:admin"
    assert trial.status == StyleTrial.Status.QUEUED
    assert sorted(trial.images.values_list("sample__title", flat=True)) == ["Flowers", "Small face"]
    page = admin_client.get(response["Location"]).content.decode()
    assert "Waiting for the render queue" in page
    assert "window.location.reload" in page


def test_a_test_render_needs_sample_photos(admin_client: Client, style: Style, queued: MagicMock, media: Path) -> None:
    url = f"/admin/styles/style/{style.pk}/test-renders/"
    page = admin_client.post(url, {"preset": "quick", "max_size": "256", "recipe": ""}).content.decode()
    assert "Add a sample photo first" in page
    assert not StyleTrial.objects.exists()
    assert not queued.called


def test_two_recipes_are_compared_side_by_side_and_the_better_one_adopted(
    admin_client: Client, style: Style, samples: list[SamplePhoto], queued: MagicMock
) -> None:
    a = style_trial_start(style=style, recipe=recipe_preset_dict("quick"), max_size=256, actor="staff:a", label="A")
    stronger = recipe_preset_dict("quick")
    stronger["passes"][0]["style_weight"] = 400.0
    b = style_trial_start(style=style, recipe=stronger, max_size=256, actor="staff:a", label="B")
    painted(a, (200, 20, 20))
    painted(b, (20, 20, 200))
    url = f"/admin/styles/style/{style.pk}/test-renders/"
    page = admin_client.get(f"{url}?a={a.pk}&b={b.pk}").content.decode()
    images = [item.pk for trial in (a, b) for item in trial.images.all()]
    for pk in images:
        assert f"/admin/styles/style/test-render-images/{pk}.jpg" in page
    first_row = page.index("Small face")
    assert page.index(f"test-render-images/{images[0]}.jpg") > first_row
    assert '<tr class="differs"><th scope="row">pass 1 · style weight</th><td>100</td><td>400</td></tr>' in page
    assert "<td>192 → 154</td>" in page  # the recipe's size, and what the test render painted
    response = admin_client.get(f"/admin/styles/style/test-render-images/{images[2]}.jpg")
    pixel = Image.open(io.BytesIO(response.getvalue())).getpixel((10, 10))
    assert isinstance(pixel, tuple)
    assert pixel[2] > 150
    response = admin_client.post(f"{url}{b.pk}/adopt/")
    assert response.status_code == 302
    style.refresh_from_db()
    assert style.recipe["passes"][0]["style_weight"] == 400.0
    assert LogEntry.objects.get().get_change_message() == f"Recipe copied from test render #{b.pk}."
    assert admin_client.get(f"{url}{b.pk}/adopt/").status_code == 405


def test_staff_who_may_only_look_cannot_start_or_adopt(
    staff_client: Callable[..., Client], style: Style, samples: list[SamplePhoto], queued: MagicMock
) -> None:
    trial = style_trial_start(style=style, recipe=recipe_preset_dict("quick"), max_size=64, actor="staff:a")
    client = staff_client("styles.view_style")
    url = f"/admin/styles/style/{style.pk}/test-renders/"
    page = client.get(url).content.decode()
    assert "New test render" not in page
    assert "Use this recipe" not in page
    assert client.post(url, {"preset": "quick", "max_size": "64", "recipe": ""}).status_code == 403
    assert client.post(f"{url}{trial.pk}/adopt/").status_code == 403
    assert StyleTrial.objects.count() == 1


def test_test_render_images_and_sample_photos_are_for_staff_only(
    client: Client, style: Style, samples: list[SamplePhoto], queued: MagicMock
) -> None:
    trial = style_trial_start(style=style, recipe=recipe_preset_dict("quick"), max_size=64, actor="staff:a")
    painted(trial, (1, 2, 3))
    item = trial.images.first()
    for path in (
        f"/admin/styles/style/test-render-images/{item.pk}.jpg",
        f"/admin/styles/style/sample-photos/{samples[0].pk}.jpg",
        f"/admin/styles/style/{style.pk}/test-renders/",
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/admin/login/" in response["Location"], path


def test_the_render_queue_paints_every_sample_with_the_recipe(
    style: Style, samples: list[SamplePhoto], queued: MagicMock, mocker: MockerFixture
) -> None:
    pytest.importorskip("torch")
    from rendering.services import style_trial_execute

    style.recipe = recipe_preset_dict("tiny")
    style.save()
    trial = style_trial_start(style=style, recipe=style.recipe, max_size=384, actor="staff:a")
    SamplePhoto.objects.filter(pk=samples[1].pk).delete()  # deleted after the test render was queued
    render = mocker.spy(__import__("painter", fromlist=["render"]), "render")
    assert style_trial_execute(trial_id=trial.pk, worker="w1") == "done"
    trial.refresh_from_db()
    assert trial.status == StyleTrial.Status.DONE
    assert trial.worker == "w1"
    assert trial.finished_at
    painted_item, missing = trial.images.order_by("id")
    assert missing.error == "the sample photo was deleted"
    assert not missing.image
    with painted_item.image.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
    assert image.format == "JPEG"
    assert max(image.size) == 48
    assert (painted_item.width, painted_item.height) == image.size
    assert painted_item.seconds is not None
    assert painted_item.seconds > 0
    used = render.call_args.args[2]
    assert used.watermark.enabled is False
    assert used.upscale.method == "none"
    # A redelivered message does nothing.
    assert style_trial_execute(trial_id=trial.pk, worker="w2") == "skipped"


def test_deleting_a_test_render_deletes_its_paintings(
    admin_client: Client,
    style: Style,
    samples: list[SamplePhoto],
    queued: MagicMock,
    media: Path,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    trial = style_trial_start(style=style, recipe=recipe_preset_dict("quick"), max_size=64, actor="staff:a")
    painted(trial, (9, 9, 9))
    assert len(stored_files(media / "trials")) == 2
    assert f"?a={trial.pk}" in admin_client.get("/admin/styles/styletrial/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/admin/styles/styletrial/{trial.pk}/delete/", {"post": "yes"})
    assert not StyleTrial.objects.exists()
    assert stored_files(media / "trials") == []


def test_a_test_render_whose_worker_went_silent_is_failed_by_the_reaper(
    style: Style, samples: list[SamplePhoto], queued: MagicMock, settings: Settings
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from orders.tasks import render_jobs_reap_task
    from styles.services import style_trial_claim, style_trial_heartbeat

    settings.RENDER_LEASE_SECONDS = 120
    silent = style_trial_start(style=style, recipe=recipe_preset_dict("tiny"), max_size=64, actor="staff:a")
    alive = style_trial_start(style=style, recipe=recipe_preset_dict("tiny"), max_size=64, actor="staff:a")
    assert style_trial_claim(trial_id=silent.pk, worker="w1")
    assert style_trial_claim(trial_id=alive.pk, worker="w2")
    StyleTrial.objects.filter(pk=silent.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=121))
    assert style_trial_heartbeat(trial_id=alive.pk, worker="w2")
    report = render_jobs_reap_task()  # the beat task: render jobs, then test renders
    assert report["trials_failed"] == [silent.pk]
    assert report["trials_resent"] == []
    silent.refresh_from_db()
    alive.refresh_from_db()
    assert silent.status == StyleTrial.Status.FAILED
    assert silent.finished_at
    assert silent.error == "the worker w1 stopped answering; start the test render again"
    assert alive.status == StyleTrial.Status.RUNNING
    # The silent worker, if it comes back, learns the test render is no longer its own.
    assert not style_trial_heartbeat(trial_id=silent.pk, worker="w1")


def test_a_queued_test_render_whose_message_was_lost_is_sent_again_once(
    style: Style, samples: list[SamplePhoto], queued: MagicMock, settings: Settings
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from styles.services import style_trials_reap

    settings.RENDER_REQUEUE_AFTER_SECONDS = 600
    trial = style_trial_start(style=style, recipe=recipe_preset_dict("tiny"), max_size=64, actor="staff:a")
    queued.reset_mock()
    assert style_trials_reap() == {"trials_failed": [], "trials_resent": []}
    StyleTrial.objects.filter(pk=trial.pk).update(enqueued_at=timezone.now() - timedelta(seconds=601))
    assert style_trials_reap()["trials_resent"] == [trial.pk]
    queued.assert_called_once_with(trial.pk)
    assert style_trials_reap()["trials_resent"] == []  # not again before another 600 s


def test_the_painting_worker_beats_and_stops_once_the_reaper_failed_its_test_render(
    style: Style, samples: list[SamplePhoto], queued: MagicMock, settings: Settings, mocker: MockerFixture
) -> None:
    pytest.importorskip("torch")
    from rendering import services

    settings.RENDER_LEASE_SECONDS = 0  # a heartbeat at every step
    trial = style_trial_start(style=style, recipe=recipe_preset_dict("tiny"), max_size=64, actor="staff:a")
    beats = mocker.spy(__import__("styles.services", fromlist=["x"]), "style_trial_heartbeat")
    assert services.style_trial_execute(trial_id=trial.pk, worker="w1") == "done"
    trial.refresh_from_db()
    assert beats.call_count >= 2
    assert trial.heartbeat_at is not None
    assert trial.started_at is not None
    assert trial.heartbeat_at > trial.started_at

    again = style_trial_start(style=style, recipe=recipe_preset_dict("tiny"), max_size=64, actor="staff:a")
    mocker.patch("styles.services.style_trial_heartbeat", return_value=False)  # the reaper took it back
    assert services.style_trial_execute(trial_id=again.pk, worker="w1") == "cancelled"
