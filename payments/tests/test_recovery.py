"""A webhook that never arrived: the periodic task asks Stripe and still delivers."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone

from orders.models import Order, OrderEvent
from payments.models import Payment
from payments.tasks import payments_recover_task

if TYPE_CHECKING:
    from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings

    from payments.tests.conftest import FakeStripe


pytestmark = pytest.mark.django_db


def age(payment: Payment, **delta: float) -> None:
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - timedelta(**delta))


def test_the_beat_schedule_runs_the_recovery() -> None:
    entry = django_settings.CELERY_BEAT_SCHEDULE["payments-recover"]
    assert entry["task"] == "payments.tasks.payments_recover"
    assert payments_recover_task.name == entry["task"]


def test_a_payment_whose_webhook_never_came_is_delivered(
    pending_payment: Payment,
    fake_stripe: FakeStripe,
    eager_tasks: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    fake_stripe.succeed(pending_payment.stripe_id)  # paid at Stripe; the webhook is lost
    age(pending_payment, minutes=15)
    with django_capture_on_commit_callbacks(execute=True):
        payments_recover_task()
    pending_payment.refresh_from_db()
    assert pending_payment.status == Payment.Status.SUCCEEDED
    assert pending_payment.checked_at is not None
    assert Order.objects.get().status == Order.Status.PAID
    assert len(mail.outbox) == 1
    assert pending_payment.order.events.get(kind=OrderEvent.Kind.ORDER_PAID).actor == "system:recovery"
    with django_capture_on_commit_callbacks(execute=True):
        payments_recover_task()  # the next run: nothing left to ask about, nothing sent again
    assert len(mail.outbox) == 1


def test_only_payments_pending_for_a_while_and_within_the_window_are_asked_about(
    pending_payment: Payment, fake_stripe: FakeStripe
) -> None:
    reads = lambda: [c for c in fake_stripe.intent_calls() if c.method == "GET"]  # noqa: E731
    payments_recover_task()
    assert reads() == []  # too fresh: the customer may still be typing their card number
    age(pending_payment, hours=django_settings.PAYMENTS_RECOVER_WINDOW_HOURS + 1)
    payments_recover_task()
    assert reads() == []  # abandoned long ago
    age(pending_payment, minutes=15)
    payments_recover_task()
    payments_recover_task()  # checked a moment ago: not again before the quiet period
    assert len(reads()) == 1


def test_stripe_being_down_leaves_the_payment_for_the_next_run(
    pending_payment: Payment, fake_stripe: FakeStripe
) -> None:
    age(pending_payment, minutes=15)
    fake_stripe.down = True
    payments_recover_task()
    pending_payment.refresh_from_db()
    assert pending_payment.status == Payment.Status.PENDING
    assert pending_payment.checked_at is None
    fake_stripe.down = False
    fake_stripe.succeed(pending_payment.stripe_id)
    payments_recover_task()
    pending_payment.refresh_from_db()
    assert pending_payment.status == Payment.Status.SUCCEEDED


def test_without_stripe_keys_the_recovery_does_nothing(
    pending_payment: Payment, fake_stripe: FakeStripe, settings: Settings
) -> None:
    age(pending_payment, minutes=15)
    settings.PAYMENTS_PROVIDER = "demo"
    calls = len(fake_stripe.calls)
    payments_recover_task()
    assert len(fake_stripe.calls) == calls
