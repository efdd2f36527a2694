"""Emails owed and lost on the way are found and sent once, whatever lost them.

Three ways of losing one, each with the real part that fails: a mail server that refuses for a day
(a real SMTP server on 127.0.0.1), a broker that refuses the message at enqueue, a Redis flushed
with the email's retry waiting in it (the `pg` pass's real Redis). And two outbox runs at once on
PostgreSQL send it once.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.core import mail
from django.db import connections
from django.utils import timezone
from kombu.exceptions import OperationalError

from orders import enqueue
from orders.models import Order, OrderEvent, RenderJob
from orders.services import preview_emails_outbox_send
from payments.services import hd_emails_outbox_send
from picmatix.tests.smtpserver import REFUSE_RECIPIENT_451, MailServer

if TYPE_CHECKING:
    from pytest_mock import MockerFixture

pytestmark = pytest.mark.django_db


def painted_ago(order: Order, minutes: float) -> None:
    RenderJob.objects.filter(order=order).update(finished_at=timezone.now() - timedelta(minutes=minutes))


def test_a_preview_the_mail_server_refused_for_a_day_goes_out_once_when_it_is_back(
    painted_order: Order, smtp_server: MailServer
) -> None:
    # The email task's own retries were spent while the server refused; the outbox runs all day.
    smtp_server.script = [REFUSE_RECIPIENT_451] * 4
    for hours in (1, 6, 12, 24):
        painted_ago(painted_order, hours * 60)
        assert preview_emails_outbox_send()["failed"] == 1
    painted_order.refresh_from_db()
    assert painted_order.preview_email_sent_at is None
    # The server accepts again: the next run (every 5 minutes) sends it, and no later run again.
    started = time.monotonic()
    assert preview_emails_outbox_send()["sent"] == 1
    took = time.monotonic() - started
    assert preview_emails_outbox_send()["sent"] == 0
    assert [d.rcpt_tos for d in smtp_server.delivered] == [["ana@example.com"]]
    assert took < 5
    painted_order.refresh_from_db()
    assert painted_order.preview_email_sent_at is not None
    # Staff heard once that it was more than an hour late, not once per run.
    alerts = painted_order.events.filter(kind=OrderEvent.Kind.STAFF_ALERTED)
    assert alerts.count() == 1


def test_a_preview_whose_message_the_broker_refused_is_sent_by_the_outbox(
    painted_order: Order, mocker: MockerFixture
) -> None:
    mocker.patch("orders.tasks.order_preview_email_send.delay", side_effect=OperationalError("connection refused"))
    enqueue.preview_email_enqueue(painted_order.pk)  # logged, not raised: the order is done
    painted_ago(painted_order, 2)
    assert preview_emails_outbox_send()["sent"] == 0  # the normal path still has its chance
    assert mail.outbox == []
    painted_ago(painted_order, 6)
    assert preview_emails_outbox_send()["sent"] == 1
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]


def test_the_outbox_leaves_alone_what_is_sent_refused_deleted_or_too_old(painted_order: Order, style: object) -> None:
    painted_ago(painted_order, 60)
    order_event_refused = OrderEvent.objects.create(
        order=painted_order, kind=OrderEvent.Kind.EMAIL_REFUSED, actor="system", data={"email": "preview", "code": 550}
    )
    assert preview_emails_outbox_send()["sent"] == 0
    order_event_refused.delete()
    Order.objects.filter(pk=painted_order.pk).update(email="", data_deleted_at=timezone.now())
    assert preview_emails_outbox_send()["sent"] == 0
    Order.objects.filter(pk=painted_order.pk).update(email="ana@example.com", data_deleted_at=None)
    painted_ago(painted_order, 8 * 24 * 60)
    assert preview_emails_outbox_send()["sent"] == 0
    assert mail.outbox == []


def test_a_paid_orders_lost_download_email_is_sent_once(painted_order: Order) -> None:
    Order.objects.filter(pk=painted_order.pk).update(
        status=Order.Status.PAID, paid_at=timezone.now() - timedelta(minutes=30), preview_email_sent_at=timezone.now()
    )
    assert hd_emails_outbox_send()["sent"] == 1
    assert hd_emails_outbox_send()["sent"] == 0
    [sent] = mail.outbox
    assert sent.to == ["ana@example.com"]
    painted_order.refresh_from_db()
    assert painted_order.hd_email_sent_at is not None


@pytest.mark.pg
def test_a_preview_whose_retry_waited_in_a_flushed_redis_is_sent_by_the_outbox(painted_order: Order) -> None:
    import redis
    from django.conf import settings

    from orders.tasks import order_preview_email_send

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.flushdb()
    order_preview_email_send.apply_async(args=[painted_order.pk], countdown=3600)  # a retry, waiting
    assert broker.llen("default") == 1
    broker.flushdb()  # Redis failed over, or flushed by hand
    painted_ago(painted_order, 10)
    assert preview_emails_outbox_send()["sent"] == 1
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_two_outbox_runs_at_once_send_the_email_once(painted_order: Order, mocker: MockerFixture) -> None:
    import orders.services

    render = orders.services.preview_email

    def slow_render(order: Order) -> object:
        time.sleep(0.5)  # both runs are past their query while the first one sends
        return render(order)

    mocker.patch.object(orders.services, "preview_email", side_effect=slow_render)
    painted_ago(painted_order, 10)
    start = threading.Barrier(2)
    results: list[dict[str, int]] = []

    def run() -> None:
        start.wait()
        try:
            results.append(preview_emails_outbox_send())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r["sent"] for r in results) == [0, 1]
    assert len(mail.outbox) == 1


def test_a_sender_releases_only_its_own_claim(painted_order: Order) -> None:
    from orders.outbox import order_email_claim, order_email_release

    mine = order_email_claim(order_id=painted_order.pk, email="preview")
    assert mine is not None
    theirs = mine + timedelta(minutes=3)  # mine ran out; another sender claimed it since
    Order.objects.filter(pk=painted_order.pk).update(preview_email_claimed_until=theirs)
    order_email_release(order_id=painted_order.pk, email="preview", claim=mine)
    painted_order.refresh_from_db()
    assert painted_order.preview_email_claimed_until == theirs


def test_a_mail_server_that_fails_is_tried_once_a_run_not_once_an_email(
    painted_order: Order, style: object, smtp_server: MailServer
) -> None:
    second = Order.objects.create(
        email="ben@example.com", style=painted_order.style, content_image="uploads/x.jpg", status="preview_ready"
    )
    RenderJob.objects.create(order=second, status=RenderJob.Status.DONE, preview="renders/x.jpg", hd="renders/y.png")
    painted_ago(painted_order, 30)
    painted_ago(second, 30)
    smtp_server.script = [REFUSE_RECIPIENT_451] * 2
    assert preview_emails_outbox_send()["failed"] == 1
    assert smtp_server.attempts == 1
