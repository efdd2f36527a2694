"""A worker painting several queued jobs in one batch (PICMATIX_RENDER_BATCH), in-process, tiny recipe."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone

from conftest import jpeg_bytes
from orders.images import photo_clean
from orders.jobs import render_jobs_waiting
from orders.models import RenderJob
from orders.services import order_create

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from pytest_django.fixtures import Settings
    from pytest_mock import MockerFixture

    from styles.models import Style


pytest.importorskip("torch")
pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(style: Style, mocker: MockerFixture, media: Path) -> Callable[..., RenderJob]:
    """``add(size=(96, 72))``: an order for a photo of that size, its job queued and its message sent."""
    from rendering.engine.recipe import recipe_preset

    style.recipe = recipe_preset("tiny").to_dict()
    style.save()
    mocker.patch("orders.enqueue.render_job_enqueue")
    mocker.patch("orders.enqueue.preview_email_enqueue")

    def add(size: tuple[int, int] = (96, 72)) -> RenderJob:
        data = jpeg_bytes(size)
        photo = photo_clean(io.BytesIO(data), size=len(data), max_bytes=10**7, max_pixels=10**7)
        order = order_create(email="a@example.com", style=style, photo=photo, language="en")
        job = order.jobs.get()
        RenderJob.objects.filter(pk=job.pk).update(enqueued_at=timezone.now())
        return job

    return add


def _status(job: RenderJob) -> str:
    job.refresh_from_db()
    return job.status


def test_a_worker_paints_the_waiting_jobs_of_its_jobs_size_in_one_batch(
    queue: Callable[..., RenderJob], settings: Settings
) -> None:
    from rendering.services import render_job_execute

    settings.RENDER_BATCH = 3
    first, second, upright, third, fourth = queue(), queue(), queue((72, 96)), queue(), queue()
    assert render_job_execute(job_id=first.pk, worker="w1") == "done"
    for job in (first, second, third):
        assert _status(job) == RenderJob.Status.DONE
        assert job.worker == "w1"
        assert [p["batch"] for p in job.stats["passes"]] == [3, 3]
        assert job.progress["percent"] == 100.0
        assert job.preview.name.endswith("-preview.jpg")
    # A photo of another shape waits for a batch (or a worker) of its own; so does the job past the batch.
    assert _status(upright) == RenderJob.Status.QUEUED
    assert _status(fourth) == RenderJob.Status.QUEUED
    # The companions' own messages, delivered later, change nothing.
    assert render_job_execute(job_id=second.pk, worker="w2") == "skipped"


def test_one_worker_at_a_time_by_default(queue: Callable[..., RenderJob], settings: Settings) -> None:
    from rendering.services import render_job_execute

    assert settings.RENDER_BATCH == 1
    first, second = queue(), queue()
    assert render_job_execute(job_id=first.pk, worker="w1") == "done"
    assert "batch" not in RenderJob.objects.get(pk=first.pk).stats["passes"][0]
    assert _status(second) == RenderJob.Status.QUEUED


def test_a_job_that_loses_its_lease_in_a_batch_stops_alone(
    queue: Callable[..., RenderJob], settings: Settings, mocker: MockerFixture, media: Path
) -> None:
    import rendering.services
    from rendering.services import render_job_execute

    settings.RENDER_BATCH = 2
    first, second = queue(), queue()
    heartbeat = rendering.services.render_job_heartbeat
    mocker.patch(
        "rendering.services.render_job_heartbeat",
        side_effect=lambda **kw: kw["job_id"] != second.pk and heartbeat(**kw),
    )
    assert render_job_execute(job_id=first.pk, worker="w1") == "done"
    assert _status(first) == RenderJob.Status.DONE
    assert _status(second) == RenderJob.Status.RUNNING  # left for the reaper, nothing stored
    assert not second.preview


def test_a_job_whose_painting_cannot_be_read_fails_alone(
    queue: Callable[..., RenderJob], settings: Settings, mocker: MockerFixture
) -> None:
    from rendering import services
    from rendering.services import render_job_execute

    settings.RENDER_BATCH = 2
    first, second = queue(), queue()
    opened = {"n": 0}
    read = services._open_image

    def fail_the_third_read(field: object) -> object:
        opened["n"] += 1
        if opened["n"] == 3:  # the second job's photo
            raise OSError("storage unreachable")
        return read(field)

    mocker.patch("rendering.services._open_image", side_effect=fail_the_third_read)
    assert render_job_execute(job_id=first.pk, worker="w1") == "done"
    assert _status(first) == RenderJob.Status.DONE
    second.refresh_from_db()
    assert second.status == RenderJob.Status.QUEUED  # retried: a storage hiccup is not the photo's fault
    assert "storage unreachable" in second.error


def test_waiting_jobs_are_those_queued_and_sent_with_the_same_recipe(queue: Callable[..., RenderJob]) -> None:
    first, same, unsent, running, other, spent = (queue() for _ in range(6))
    RenderJob.objects.filter(pk=unsent.pk).update(enqueued_at=None)
    RenderJob.objects.filter(pk=running.pk).update(status=RenderJob.Status.RUNNING)
    RenderJob.objects.filter(pk=other.pk).update(recipe={"passes": []})
    RenderJob.objects.filter(pk=spent.pk).update(attempts=99)
    assert [j.pk for j in render_jobs_waiting(like=first, limit=10)] == [same.pk]
    assert render_jobs_waiting(like=first, limit=0) == []
