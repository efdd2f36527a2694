"""Every automatic repair against every order status: a paid (or refunded) order keeps its status.

Each row says what the repair must leave: the order's status, the events it appends to the log
(nothing earlier rewritten) and the work it queues (renders, emails to the customer or staff).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from orders.jobs import render_job_fail, render_jobs_reap
from orders.models import Order, OrderEvent, RenderJob
from orders.reconcile import reconcile
from orders.retention import retention_purge

if TYPE_CHECKING:
    from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings
    from pytest_mock import MockerFixture

    from styles.models import Style


pytestmark = pytest.mark.django_db
S = Order.Status
K = OrderEvent.Kind
SETTLED = {S.PAID, S.REFUNDED}


def stored(name: str) -> str:
    return default_storage.save(name, ContentFile(b"x"))


def order_in(status: str, style: Style, *, photo: bool = True) -> Order:
    long_ago = timezone.now() - timedelta(days=max(settings.RETENTION_PAID_DAYS, settings.RETENTION_UNPAID_DAYS) + 1)
    paid_at = long_ago if status in SETTLED else None
    order = Order.objects.create(
        email="ana@example.com",
        style=style,
        status=status,
        paid_at=paid_at,
        content_image=stored("uploads/photo.jpg") if photo else "uploads/gone.jpg",
        preview_email_sent_at=timezone.now(),
        hd_email_sent_at=paid_at,
    )
    Order.objects.filter(pk=order.pk).update(created_at=long_ago)  # due for retention (that row only)
    return order


def done_job(order: Order, *, preview: bool = True, hd: bool = True) -> RenderJob:
    return RenderJob.objects.create(
        order=order,
        status=RenderJob.Status.DONE,
        attempts=1,
        finished_at=timezone.now(),
        preview=stored("renders/p.jpg") if preview else "renders/gone-preview.jpg",
        hd=stored("renders/h.png") if hd else "renders/gone-hd.png",
    )


def running_job(order: Order, *, attempts: int = 1, expired: bool = True) -> RenderJob:
    lease = timezone.now() + (timedelta(minutes=-5) if expired else timedelta(minutes=5))
    return RenderJob.objects.create(
        order=order, status=RenderJob.Status.RUNNING, worker="w", attempts=attempts, lease_expires_at=lease,
        enqueued_at=timezone.now(),
    )  # fmt: skip


# Each repair: set the order up in the given status, then run the repair as beat or a worker would.
def hd_missing(status: str, style: Style) -> Callable[[], object]:
    done_job(order_in(status, style), hd=False)
    return lambda: reconcile(fix=True)


def preview_missing(status: str, style: Style) -> Callable[[], object]:
    done_job(order_in(status, style), preview=False)
    return lambda: reconcile(fix=True)


def photo_missing_while_painting(status: str, style: Style) -> Callable[[], object]:
    order = order_in(status, style, photo=False)
    RenderJob.objects.create(order=order, status=RenderJob.Status.QUEUED, enqueued_at=timezone.now())
    return lambda: reconcile(fix=True)


def painting_and_photo_missing(status: str, style: Style) -> Callable[[], object]:
    done_job(order_in(status, style, photo=False), preview=False, hd=False)
    return lambda: reconcile(fix=True)


def lease_expired_with_attempts_left(status: str, style: Style) -> Callable[[], object]:
    running_job(order_in(status, style))
    return lambda: render_jobs_reap()


def lease_expired_on_the_last_attempt(status: str, style: Style) -> Callable[[], object]:
    running_job(order_in(status, style), attempts=settings.RENDER_MAX_ATTEMPTS)
    return lambda: render_jobs_reap()


def render_failed_for_good(status: str, style: Style) -> Callable[[], object]:
    job = running_job(order_in(status, style), expired=False)
    return lambda: render_job_fail(job_id=job.pk, worker="w", error="EngineError: out of memory", retryable=False)


def retention_due(status: str, style: Style) -> Callable[[], object]:
    done_job(order_in(status, style))
    return lambda: retention_purge()


KEPT = object()  # the status the order had
Row = tuple[object, list[str], list[str]]
RERENDER: dict[str, Row] = {"not settled": (S.RENDERING, [K.REPAIR_RERENDER], ["render"]),
            S.PAID: (KEPT, [K.REPAIR_RERENDER], ["render"]),
            S.REFUNDED: (KEPT, [K.REPAIR_SKIPPED], [])}  # fmt: skip


def give_up(failure: OrderEvent.Kind) -> dict[str, Row]:
    return {
        "not settled": (S.FAILED, [failure], ["failure_notices"]),
        "settled": (KEPT, [failure, K.STAFF_ALERTED], ["staff_alert"]),
    }


# kind -> {status, or "settled" / "not settled": (status after, new events, queued work)}
TABLE: dict[Callable[..., Callable[[], object]], dict[str, Row]] = {
    hd_missing: RERENDER,
    preview_missing: RERENDER,
    photo_missing_while_painting: {
        "not settled": (S.FAILED, [K.RECONCILE_PHOTO_MISSING], []),
        "settled": (KEPT, [K.RECONCILE_PHOTO_MISSING, K.STAFF_ALERTED], ["staff_alert"]),
    },
    painting_and_photo_missing: {
        "not settled": (KEPT, [K.STAFF_ALERTED], ["staff_alert"]),
        S.PAID: (KEPT, [K.STAFF_ALERTED], ["staff_alert"]),
        S.REFUNDED: (KEPT, [K.REPAIR_SKIPPED], []),
    },
    lease_expired_with_attempts_left: {"all": (KEPT, [K.LEASE_EXPIRED], ["render"])},
    lease_expired_on_the_last_attempt: give_up(K.LEASE_EXPIRED),
    render_failed_for_good: give_up(K.RENDER_FAILED),
    # An unpaid preview whose files are gone can no longer be bought: it expires.
    retention_due: {S.PREVIEW_READY: (S.EXPIRED, [K.FILES_PURGED], []), "all": (KEPT, [K.FILES_PURGED], [])},
}  # fmt: skip


def expected(kind: Any, status: str) -> Row:
    row = TABLE[kind]
    for key in (status, "settled" if status in SETTLED else "not settled", "all"):
        if key in row:
            return row[key]
    raise AssertionError(f"no expectation for {kind.__name__} on a {status} order")


@pytest.mark.parametrize("status", list(Order.Status))
@pytest.mark.parametrize("kind", list(TABLE), ids=lambda kind: kind.__name__)
def test_an_automatic_repair_leaves_the_status_events_and_work_of_the_table(
    kind: Any,
    status: Any,
    style: Style,
    media: Path,
    mocker: MockerFixture,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    work: list[str] = []

    def render(job_id: int) -> None:  # as the real one: stamp, then send
        RenderJob.objects.filter(pk=job_id).update(enqueued_at=timezone.now())
        work.append("render")

    mocker.patch("orders.enqueue.render_job_enqueue", side_effect=render)
    mocker.patch("orders.enqueue.failure_notices_enqueue", side_effect=lambda *a: work.append("failure_notices"))
    mocker.patch("orders.enqueue.staff_alert_enqueue", side_effect=lambda *a: work.append("staff_alert"))
    mocker.patch("orders.enqueue.preview_email_enqueue", side_effect=lambda *a: work.append("preview_email"))
    mocker.patch("orders.enqueue.hd_email_again_enqueue", side_effect=lambda *a: work.append("hd_email"))
    repair = kind(status, style)
    order = Order.objects.get()
    before = list(order.events.values_list("pk", "kind"))
    with django_capture_on_commit_callbacks(execute=True):
        repair()

    status_after, events, queued = expected(kind, status)
    order.refresh_from_db()
    assert order.status == (status if status_after is KEPT else status_after)
    after = list(order.events.values_list("pk", "kind"))
    assert after[: len(before)] == before  # append-only
    assert [k for _, k in after[len(before) :]] == events
    assert work == queued
    if status in SETTLED:
        assert order.paid_at is not None
        assert order.status == status


def test_staff_are_emailed_when_a_paid_order_cannot_be_painted_again(
    style: Style,
    media: Path,
    settings: Settings,
    mocker: MockerFixture,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    from django.core import mail

    from orders.tasks import order_staff_alert_task

    alert = mocker.patch("orders.tasks.order_staff_alert_task.delay")
    settings.ADMINS = [("staff", "staff@example.com")]
    mocker.patch("orders.enqueue.render_job_enqueue")
    photo_missing_while_painting(S.PAID, style)
    order = Order.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        reconcile(fix=True)
    alert.assert_called_once()
    order_staff_alert_task(*alert.call_args.args)  # as the default worker would
    assert [m.to for m in mail.outbox] == [["staff@example.com"]]
    assert f"Order {order.pk} needs staff" in mail.outbox[0].subject
    assert "photo is missing" in mail.outbox[0].body
    assert f"/admin/orders/order/{order.pk}/" in mail.outbox[0].body
    order.refresh_from_db()
    assert order.status == S.PAID
