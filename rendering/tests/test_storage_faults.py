"""A storage that fails is not the customer's problem: the painting goes on, or goes back to the queue."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.core.files.storage import default_storage

from conftest import jpeg_bytes
from orders.images import photo_clean
from orders.models import Order, RenderJob
from orders.services import order_create

if TYPE_CHECKING:
    from pytest_django.fixtures import Settings
    from pytest_mock import MockerFixture

    from styles.models import Style


pytest.importorskip("torch")
pytestmark = pytest.mark.django_db


@pytest.fixture
def job(style: Style, mocker: MockerFixture, settings: Settings) -> RenderJob:
    from painter.recipe import recipe_preset

    style.recipe = recipe_preset("tiny").to_dict()
    style.save()
    settings.RENDER_PROGRESS_IMAGE_EVERY = 1
    mocker.patch("orders.enqueue.render_job_enqueue")
    mocker.patch("orders.enqueue.preview_email_enqueue")
    mocker.patch("core.files.time.sleep")  # the pauses between tries
    data = jpeg_bytes((96, 80))
    photo = photo_clean(io.BytesIO(data), size=len(data), max_bytes=10**7, max_pixels=10**7)
    return order_create(email="a@example.com", style=style, photo=photo, language="en").jobs.get()


def failing_for(mocker: MockerFixture, prefix: str, times: int) -> list[str]:
    """default_storage.save fails `times` times for names under `prefix` (as a full disk does)."""
    real = default_storage.save
    failed: list[str] = []

    def save(name: str, content: Any, **kwargs: Any) -> str:
        if name.startswith(prefix) and len(failed) < times:
            failed.append(name)
            raise OSError(28, "No space left on device")
        return real(name, content, **kwargs)

    mocker.patch.object(default_storage, "save", side_effect=save)
    return failed


def test_a_progress_image_that_cannot_be_stored_is_skipped(job: RenderJob, media: Path, mocker: MockerFixture) -> None:
    from rendering.services import render_job_execute

    failing_for(mocker, "progress/", times=10**6)
    assert render_job_execute(job_id=job.pk, worker="w1") == "done"


def test_a_storage_that_fails_once_is_tried_again(job: RenderJob, media: Path, mocker: MockerFixture) -> None:
    from rendering.services import render_job_execute

    failed = failing_for(mocker, "renders/", times=1)
    assert render_job_execute(job_id=job.pk, worker="w1") == "done"
    assert len(failed) == 1
    job.refresh_from_db()
    assert job.attempts == 1


def test_a_storage_that_stays_down_hands_the_job_back_without_using_an_attempt(
    job: RenderJob, media: Path, mocker: MockerFixture
) -> None:
    from rendering.services import render_job_execute

    failing_for(mocker, "renders/", times=10**6)
    assert render_job_execute(job_id=job.pk, worker="w1") == "released"
    job.refresh_from_db()
    assert (job.status, job.attempts) == (RenderJob.Status.QUEUED, 0)
    assert job.order.status == Order.Status.RENDERING
    assert not job.order.events.filter(kind="render_failed").exists()


@pytest.mark.parametrize(("transient", "outcome"), [(True, "retry"), (False, "failed")])
def test_too_little_memory_free_just_now_is_tried_again_a_configured_limit_is_not(
    job: RenderJob, media: Path, mocker: MockerFixture, transient: bool, outcome: str
) -> None:
    from painter import InsufficientMemory
    from rendering.services import render_job_execute

    mocker.patch("orders.enqueue.failure_notices_enqueue")
    short = InsufficientMemory("pass 2 needs about 9.0 GB but only 2.0 GB is free", transient=transient)
    mocker.patch("rendering.services._paint", side_effect=short)
    assert render_job_execute(job_id=job.pk, worker="w1") == outcome
    job.refresh_from_db()
    assert job.status == (RenderJob.Status.QUEUED if transient else RenderJob.Status.FAILED)


def test_a_storage_down_for_good_stops_being_free_after_a_few_hand_backs(
    job: RenderJob, media: Path, mocker: MockerFixture
) -> None:
    from orders.jobs import STORAGE_RELEASES_FREE
    from rendering.services import render_job_execute

    failing_for(mocker, "renders/", times=10**6)
    for _ in range(STORAGE_RELEASES_FREE):
        assert render_job_execute(job_id=job.pk, worker="w1") == "released"
    assert render_job_execute(job_id=job.pk, worker="w1") == "retry"  # now it spends an attempt
    job.refresh_from_db()
    assert job.attempts == 1
