from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.core import mail
from django.utils import timezone

from orders.jobs import render_job_claim, render_jobs_reap
from orders.models import Order, OrderEvent, RenderJob
from orders.tasks import order_render_failed_notify

if TYPE_CHECKING:
    from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings
    from pytest_mock import MockerFixture

    from styles.models import Style


pytestmark = pytest.mark.django_db


@pytest.fixture
def job(style: Style) -> RenderJob:
    order = Order.objects.create(email="a@example.com", style=style, content_image="uploads/x.jpg", language="es")
    return RenderJob.objects.create(order=order, enqueued_at=timezone.now())


def expire(job: RenderJob) -> None:
    RenderJob.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=5))


def test_an_expired_lease_puts_the_job_back_in_the_queue(
    job: RenderJob, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks, mocker: MockerFixture
) -> None:
    send = mocker.patch("rendering.tasks.render_job_run.delay")
    render_job_claim(job_id=job.pk, worker="dead")
    expire(job)
    with django_capture_on_commit_callbacks(execute=True):
        report = render_jobs_reap()
    assert report.expired_requeued == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.worker, job.attempts) == ("queued", "", 1)
    send.assert_called_once_with(job.pk)
    assert OrderEvent.Kind.LEASE_EXPIRED in job.order.events.values_list("kind", flat=True)


def test_a_live_lease_is_left_alone(job: RenderJob, mocker: MockerFixture) -> None:
    mocker.patch("rendering.tasks.render_job_run.delay")
    render_job_claim(job_id=job.pk, worker="alive")
    assert render_jobs_reap().as_dict() == {"expired_requeued": [], "expired_failed": [], "resent": []}


def test_the_last_attempt_fails_the_order_and_tells_everyone(
    job: RenderJob,
    settings: Settings,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    mocker: MockerFixture,
) -> None:
    settings.RENDER_MAX_ATTEMPTS = 1
    settings.ADMINS = [("staff", "staff@example.com")]
    notify = mocker.patch("orders.tasks.order_render_failed_notify.delay")
    render_job_claim(job_id=job.pk, worker="dead")
    expire(job)
    with django_capture_on_commit_callbacks(execute=True):
        assert render_jobs_reap().expired_failed == [job.pk]
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.order.status == Order.Status.FAILED
    notify.assert_called_once_with(job.order_id)
    order_render_failed_notify(job.order_id)
    order_render_failed_notify(job.order_id)  # a repeated message sends nothing more
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == ["No hemos podido pintar tu foto", f"[Django] Render failed: order {job.order_id}"]
    customer = next(m for m in mail.outbox if m.to == ["a@example.com"])
    assert "La culpa es nuestra" in customer.body


def test_a_queued_job_whose_message_is_overdue_is_sent_again(
    job: RenderJob, settings: Settings, mocker: MockerFixture
) -> None:
    send = mocker.patch("rendering.tasks.render_job_run.delay")
    settings.RENDER_REQUEUE_AFTER_SECONDS = 60
    assert render_jobs_reap().resent == []
    RenderJob.objects.filter(pk=job.pk).update(enqueued_at=timezone.now() - timedelta(seconds=61))
    assert render_jobs_reap().resent == [job.pk]
    send.assert_called_once_with(job.pk)
    job.refresh_from_db()
    assert job.enqueued_at is not None
    assert job.enqueued_at > timezone.now() - timedelta(seconds=5)
