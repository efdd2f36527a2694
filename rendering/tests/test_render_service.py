"""The worker's side of a job, run in-process with the tiny recipe."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from conftest import jpeg_bytes, stored_files
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
def job(style: Style, mocker: MockerFixture) -> RenderJob:
    from painter.recipe import recipe_preset

    style.recipe = recipe_preset("tiny").to_dict()
    style.save()
    mocker.patch("orders.enqueue.render_job_enqueue")
    data = jpeg_bytes((96, 80))
    photo = photo_clean(io.BytesIO(data), size=len(data), max_bytes=10**7, max_pixels=10**7)
    order = order_create(email="a@example.com", style=style, photo=photo, language="en")
    return order.jobs.get()


def test_a_job_is_rendered_with_progress_and_both_outputs(
    job: RenderJob, media: Path, mocker: MockerFixture, settings: Settings
) -> None:
    import rendering.services
    from rendering.services import render_job_execute

    settings.RENDER_PROGRESS_IMAGE_EVERY = 1
    mocker.patch("orders.enqueue.preview_email_enqueue")
    images = mocker.spy(rendering.services, "render_job_set_progress_image")
    assert render_job_execute(job_id=job.pk, worker="w1") == "done"
    job.refresh_from_db()
    assert job.status == RenderJob.Status.DONE
    assert job.progress["pass"] == 2
    assert job.progress["iteration"] == job.progress["iterations"]
    assert job.progress["percent"] == 100.0
    assert images.call_count >= 1
    assert job.preview.name.endswith("-preview.jpg")
    assert job.hd.name.endswith("-hd.png")
    assert job.stats["passes"]
    # A redelivered message for the same job does nothing.
    assert render_job_execute(job_id=job.pk, worker="w2") == "skipped"


def test_a_worker_that_lost_its_lease_stops_and_stores_nothing(
    job: RenderJob, media: Path, mocker: MockerFixture
) -> None:
    from rendering.services import render_job_execute

    mocker.patch("rendering.services.render_job_heartbeat", return_value=False)
    before = stored_files(media / "renders")
    assert render_job_execute(job_id=job.pk, worker="w1") == "lost"
    assert stored_files(media / "renders") == before
    job.refresh_from_db()
    assert job.status == RenderJob.Status.RUNNING  # left for the lease's new owner or the reaper


def test_a_broken_recipe_fails_the_order_without_retrying(job: RenderJob) -> None:
    from rendering.services import render_job_execute

    RenderJob.objects.filter(pk=job.pk).update(recipe={"passes": "nonsense"})
    assert render_job_execute(job_id=job.pk, worker="w1") == "failed"
    job.refresh_from_db()
    assert job.status == RenderJob.Status.FAILED
    assert "passes" in job.error
    assert job.order.status == Order.Status.FAILED
