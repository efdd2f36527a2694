"""The guarded transitions of a render job: each is safe to repeat and to race."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from conftest import stored_files
from orders.jobs import RenderOutput, render_job_claim, render_job_fail, render_job_finish, render_job_heartbeat
from orders.models import Order, OrderEvent, RenderJob

if TYPE_CHECKING:
    from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings
    from pytest_mock import MockerFixture

    from styles.models import Style


pytestmark = pytest.mark.django_db
OUTPUT = RenderOutput(preview_jpeg=b"preview", hd_png=b"hd", stats={"seconds": 1.5})


@pytest.fixture
def job(style: Style) -> RenderJob:
    order = Order.objects.create(email="a@example.com", style=style, content_image="uploads/x.jpg")
    return RenderJob.objects.create(order=order)


def kinds(job: RenderJob) -> list[str]:
    return list(job.order.events.values_list("kind", flat=True))


def test_only_one_worker_can_claim_a_job(job: RenderJob) -> None:
    assert render_job_claim(job_id=job.pk, worker="a") is not None
    assert render_job_claim(job_id=job.pk, worker="b") is None
    job.refresh_from_db()
    assert (job.status, job.worker, job.attempts) == ("running", "a", 1)
    assert kinds(job) == [OrderEvent.Kind.RENDER_CLAIMED]


def test_an_expired_lease_lets_another_worker_take_over(job: RenderJob) -> None:
    render_job_claim(job_id=job.pk, worker="a")
    RenderJob.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert render_job_claim(job_id=job.pk, worker="b") is not None
    assert render_job_heartbeat(job_id=job.pk, worker="a") is False
    assert render_job_heartbeat(job_id=job.pk, worker="b") is True
    job.refresh_from_db()
    assert (job.worker, job.attempts) == ("b", 2)


def test_finishing_is_once_and_only_by_the_owner(
    job: RenderJob,
    media: Path,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    mocker: MockerFixture,
) -> None:
    send = mocker.patch("orders.tasks.order_preview_email_send.delay")
    render_job_claim(job_id=job.pk, worker="a")
    with django_capture_on_commit_callbacks(execute=True):
        assert render_job_finish(job_id=job.pk, worker="b", output=OUTPUT) is False
        assert render_job_finish(job_id=job.pk, worker="a", output=OUTPUT) is True
        assert render_job_finish(job_id=job.pk, worker="a", output=OUTPUT) is False
    job.refresh_from_db()
    assert job.status == "done"
    assert job.order.status == Order.Status.PREVIEW_READY
    send.assert_called_once_with(job.order_id)
    # The losing attempts' files were removed: exactly one preview and one HD file remain.
    assert len(stored_files(media / "renders")) == 2
    assert default_storage.open(job.hd.name).read() == b"hd"
    assert kinds(job) == [OrderEvent.Kind.RENDER_CLAIMED, OrderEvent.Kind.RENDER_DONE]


def test_a_done_job_is_never_claimed_again(job: RenderJob) -> None:
    render_job_claim(job_id=job.pk, worker="a")
    render_job_finish(job_id=job.pk, worker="a", output=OUTPUT)
    assert render_job_claim(job_id=job.pk, worker="b") is None


def test_a_crash_is_retried_until_the_attempts_run_out(
    job: RenderJob,
    settings: Settings,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    mocker: MockerFixture,
) -> None:
    settings.RENDER_MAX_ATTEMPTS = 2
    enqueue = mocker.patch("rendering.tasks.render_job_run.delay")
    with django_capture_on_commit_callbacks(execute=True):
        render_job_claim(job_id=job.pk, worker="a")
        assert render_job_fail(job_id=job.pk, worker="a", error="boom", retryable=True).status == "queued"
        render_job_claim(job_id=job.pk, worker="b")
        assert render_job_fail(job_id=job.pk, worker="b", error="boom", retryable=True).status == "failed"
    assert enqueue.call_count == 1
    job.refresh_from_db()
    assert job.order.status == Order.Status.FAILED
    assert job.error == "boom"
    assert render_job_claim(job_id=job.pk, worker="c") is None
    assert kinds(job) == [
        OrderEvent.Kind.RENDER_CLAIMED,
        OrderEvent.Kind.RENDER_RETRY,
        OrderEvent.Kind.RENDER_CLAIMED,
        OrderEvent.Kind.RENDER_FAILED,
    ]


def test_a_permanent_error_fails_at_once(job: RenderJob) -> None:
    render_job_claim(job_id=job.pk, worker="a")
    assert render_job_fail(job_id=job.pk, worker="a", error="bad recipe", retryable=False).status == "failed"


def test_failing_a_job_one_does_not_own_changes_nothing(job: RenderJob) -> None:
    render_job_claim(job_id=job.pk, worker="a")
    assert render_job_fail(job_id=job.pk, worker="b", error="x", retryable=False) is None
    job.refresh_from_db()
    assert job.status == "running"


def test_the_event_log_is_append_only(job: RenderJob) -> None:
    render_job_claim(job_id=job.pk, worker="a")
    event = job.order.events.get()
    event.kind = "tampered"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
