"""Stripe's webhooks, signed with stripe-python's own helper, through dj-stripe's endpoint."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
import stripe
from django.core import mail

from orders.models import Order, OrderEvent
from payments.models import Payment
from payments.providers.stripe import stripe_webhook_endpoint_sync
from payments.tests.conftest import WEBHOOK_SECRET

if TYPE_CHECKING:
    from django.test import Client
    from django.test.client import _MonkeyPatchedWSGIResponse
    from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings

    from payments.tests.conftest import FakeStripe


pytestmark = pytest.mark.django_db


@pytest.fixture
def send(
    client: Client,
    fake_stripe: FakeStripe,
    eager_tasks: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> Callable[..., _MonkeyPatchedWSGIResponse]:
    """Deliver an event the way Stripe does; tasks queued after commit run at once."""
    url = urlsplit(stripe_webhook_endpoint_sync()).path

    def deliver(
        event: dict, *, secret: str = WEBHOOK_SECRET, signature: str | None = None, body: str | None = None
    ) -> _MonkeyPatchedWSGIResponse:
        payload = body if body is not None else json.dumps(event)
        header = (
            signature
            if signature is not None
            else stripe.WebhookSignature.generate_signature_header(json.dumps(event), secret)
        )
        extra = {"HTTP_STRIPE_SIGNATURE": header} if header else {}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, payload, content_type="application/json", **extra)

    return deliver


def kinds(order: Order) -> list[str]:
    return list(order.events.values_list("kind", flat=True))


def test_a_succeeded_payment_marks_the_order_paid_and_emails_the_download_link(
    send: Callable[..., _MonkeyPatchedWSGIResponse], pending_payment: Payment, fake_stripe: FakeStripe
) -> None:
    order = pending_payment.order
    response = send(fake_stripe.event("payment_intent.succeeded", fake_stripe.succeed(pending_payment.stripe_id)))
    assert response.status_code == 200
    order.refresh_from_db()
    pending_payment.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.paid_at is not None
    assert order.hd_email_sent_at is not None
    assert pending_payment.status == Payment.Status.SUCCEEDED
    assert pending_payment.flag == ""
    assert kinds(order) == [
        OrderEvent.Kind.PAYMENT_STARTED,
        OrderEvent.Kind.PAYMENT_SUCCEEDED,
        OrderEvent.Kind.ORDER_PAID,
        OrderEvent.Kind.HD_EMAIL_SENT,
    ]
    assert [message.to for message in mail.outbox] == [["ana@example.com"]]
    assert f"/en/orders/{order.token}/hd/" in mail.outbox[0].body
    # The event only triggered a fresh look: our code re-read the intent from Stripe.
    reads = [call for call in fake_stripe.intent_calls() if call.method == "GET"]
    assert reads[-1].params == {"expand[0]": "latest_charge"}
    assert fake_stripe.unexpected == []


@pytest.mark.parametrize(
    "how",
    ["wrong secret", "tampered body", "missing header", "garbage header", "too old"],
)
def test_a_bad_or_missing_signature_gets_400_and_changes_nothing(
    send: Callable[..., _MonkeyPatchedWSGIResponse], pending_payment: Payment, fake_stripe: FakeStripe, how: str
) -> None:
    event = fake_stripe.event("payment_intent.succeeded", fake_stripe.succeed(pending_payment.stripe_id))
    events_before = OrderEvent.objects.count()
    arguments: dict = {}
    if how == "wrong secret":
        arguments["secret"] = "whsec_not_ours"
    elif how == "tampered body":
        tampered = json.loads(json.dumps(event))
        tampered["data"]["object"]["amount"] = 1
        arguments["body"] = json.dumps(tampered)
    elif how == "missing header":
        arguments["signature"] = ""
    elif how == "garbage header":
        arguments["signature"] = "t=1,v1=deadbeef"
    else:
        arguments["signature"] = stripe.WebhookSignature.generate_signature_header(
            json.dumps(event), WEBHOOK_SECRET, timestamp=1_600_000_000
        )
    response = send(event, **arguments)
    assert response.status_code == 400
    pending_payment.refresh_from_db()
    assert pending_payment.status == Payment.Status.PENDING
    assert Order.objects.get().status == Order.Status.PREVIEW_READY
    assert OrderEvent.objects.count() == events_before
    assert mail.outbox == []
    assert [call for call in fake_stripe.intent_calls() if call.method == "GET"] == []


def test_a_replayed_event_sends_no_second_email(
    send: Callable[..., _MonkeyPatchedWSGIResponse], pending_payment: Payment, fake_stripe: FakeStripe
) -> None:
    event = fake_stripe.event("payment_intent.succeeded", fake_stripe.succeed(pending_payment.stripe_id))
    assert send(event).status_code == 200
    assert send(event).status_code == 200  # Stripe retries a delivery it thinks failed
    # ...and a second event about the same intent (e.g. sent to a second endpoint) changes nothing either.
    assert (
        send(fake_stripe.event("payment_intent.succeeded", fake_stripe.intents[pending_payment.stripe_id])).status_code
        == 200
    )
    assert len(mail.outbox) == 1
    assert kinds(pending_payment.order).count(OrderEvent.Kind.ORDER_PAID) == 1


def test_a_late_failure_event_does_not_undo_a_success(
    send: Callable[..., _MonkeyPatchedWSGIResponse], pending_payment: Payment, fake_stripe: FakeStripe
) -> None:
    """The first card was declined, the second went through; Stripe delivers the two events reversed."""
    failed_snapshot = fake_stripe.event("payment_intent.payment_failed", fake_stripe.fail(pending_payment.stripe_id))
    succeeded = fake_stripe.event("payment_intent.succeeded", fake_stripe.succeed(pending_payment.stripe_id))
    send(succeeded)
    send(failed_snapshot)
    pending_payment.refresh_from_db()
    assert pending_payment.status == Payment.Status.SUCCEEDED
    assert Order.objects.get().status == Order.Status.PAID
    assert OrderEvent.Kind.PAYMENT_FAILED not in kinds(pending_payment.order)
    assert len(mail.outbox) == 1


def test_a_refund_that_arrives_before_the_success_delivers_nothing(
    send: Callable[..., _MonkeyPatchedWSGIResponse], pending_payment: Payment, fake_stripe: FakeStripe
) -> None:
    succeeded = fake_stripe.event("payment_intent.succeeded", fake_stripe.succeed(pending_payment.stripe_id))
    refunded = fake_stripe.event("charge.refunded", fake_stripe.refund(pending_payment.stripe_id))
    send(refunded)
    send(succeeded)
    pending_payment.refresh_from_db()
    assert pending_payment.status == Payment.Status.REFUNDED
    assert Order.objects.get().status == Order.Status.PREVIEW_READY
    assert mail.outbox == []


def test_a_failed_payment_is_recorded_and_the_order_stays_buyable(
    send: Callable[..., _MonkeyPatchedWSGIResponse], client: Client, pending_payment: Payment, fake_stripe: FakeStripe
) -> None:
    send(fake_stripe.event("payment_intent.payment_failed", fake_stripe.fail(pending_payment.stripe_id)))
    pending_payment.refresh_from_db()
    order = pending_payment.order
    assert pending_payment.status == Payment.Status.FAILED
    assert order.events.get(kind=OrderEvent.Kind.PAYMENT_FAILED).data["reason"] == "Your card was declined."
    assert Order.objects.get().status == Order.Status.PREVIEW_READY
    page = client.get(f"/en/orders/{order.token}/buy/")
    assert b"Your last payment attempt did not go through" in page.content
    assert mail.outbox == []


def test_a_refund_marks_the_order_refunded(
    send: Callable[..., _MonkeyPatchedWSGIResponse], pending_payment: Payment, fake_stripe: FakeStripe
) -> None:
    send(fake_stripe.event("payment_intent.succeeded", fake_stripe.succeed(pending_payment.stripe_id)))
    send(fake_stripe.event("charge.refunded", fake_stripe.refund(pending_payment.stripe_id)))
    pending_payment.refresh_from_db()
    assert pending_payment.status == Payment.Status.REFUNDED
    assert str(pending_payment.amount_refunded) == "14.00"
    order = Order.objects.get()
    assert order.status == Order.Status.REFUNDED
    assert kinds(order)[-2:] == [OrderEvent.Kind.PAYMENT_REFUNDED, OrderEvent.Kind.ORDER_REFUNDED]


def test_a_partial_refund_is_recorded_and_keeps_the_order_paid(
    send: Callable[..., _MonkeyPatchedWSGIResponse], pending_payment: Payment, fake_stripe: FakeStripe
) -> None:
    send(fake_stripe.event("payment_intent.succeeded", fake_stripe.succeed(pending_payment.stripe_id)))
    send(fake_stripe.event("charge.refunded", fake_stripe.refund(pending_payment.stripe_id, amount=400)))
    pending_payment.refresh_from_db()
    assert (pending_payment.status, str(pending_payment.amount_refunded)) == (Payment.Status.SUCCEEDED, "4.00")
    assert Order.objects.get().status == Order.Status.PAID
    assert OrderEvent.Kind.PAYMENT_PARTLY_REFUNDED in kinds(pending_payment.order)


@pytest.mark.parametrize(
    ("change", "reason"),
    [({"amount": 100}, "amount 100 (minor units), the order asked for 1400"), ({"currency": "usd"}, "paid in USD")],
)
def test_an_amount_or_currency_mismatch_is_flagged_and_delivers_nothing(
    send: Callable[..., _MonkeyPatchedWSGIResponse],
    admin_client: Client,
    pending_payment: Payment,
    fake_stripe: FakeStripe,
    change: dict[str, Any],
    reason: str,
) -> None:
    send(fake_stripe.event("payment_intent.succeeded", fake_stripe.succeed(pending_payment.stripe_id, **change)))
    pending_payment.refresh_from_db()
    assert reason in pending_payment.flag
    assert Order.objects.get().status == Order.Status.PREVIEW_READY
    assert mail.outbox == []
    assert OrderEvent.Kind.PAYMENT_FLAGGED in kinds(pending_payment.order)
    # Staff find it: the orders list filtered on "needs attention", and the order's page.
    listed = admin_client.get("/admin/orders/order/?attention=yes")
    assert pending_payment.order.email.encode() in listed.content
    page = admin_client.get(f"/admin/orders/order/{pending_payment.order.pk}/change/")
    assert reason.encode() in page.content


def test_a_second_payment_for_a_paid_order_is_flagged_and_not_delivered_again(
    send: Callable[..., _MonkeyPatchedWSGIResponse], client: Client, order: Order, fake_stripe: FakeStripe
) -> None:
    first = client.post(f"/en/orders/{order.token}/buy/", {"amount": "14"}, HTTP_ACCEPT="application/json")
    second = client.post(f"/en/orders/{order.token}/buy/", {"amount": "20"}, HTTP_ACCEPT="application/json")
    assert first.status_code == second.status_code == 200
    one, two = Payment.objects.order_by("id")
    send(fake_stripe.event("payment_intent.succeeded", fake_stripe.succeed(one.stripe_id)))
    send(fake_stripe.event("payment_intent.succeeded", fake_stripe.succeed(two.stripe_id)))
    two.refresh_from_db()
    assert "paid while the order was paid" in two.flag
    assert len(mail.outbox) == 1


def test_an_event_about_another_shops_payment_is_accepted_and_ignored(
    send: Callable[..., _MonkeyPatchedWSGIResponse], fake_stripe: FakeStripe, order: Order
) -> None:
    fake_stripe.intents["pi_elsewhere"] = {
        "id": "pi_elsewhere",
        "object": "payment_intent",
        "amount": 500,
        "currency": "usd",
        "status": "succeeded",
        "metadata": {},
        "latest_charge": None,
        "last_payment_error": None,
        "livemode": False,
    }
    response = send(fake_stripe.event("payment_intent.succeeded", fake_stripe.intents["pi_elsewhere"]))
    assert response.status_code == 200
    assert Payment.objects.count() == 0
    assert Order.objects.get().status == Order.Status.PREVIEW_READY


def test_the_webhook_endpoint_follows_the_settings(fake_stripe: FakeStripe, settings: Settings) -> None:
    from djstripe.models import WebhookEndpoint

    settings.SITE_URL = "https://shop.example"
    url = stripe_webhook_endpoint_sync()
    endpoint = WebhookEndpoint.objects.get()
    assert url == f"https://shop.example/stripe/webhook/{endpoint.djstripe_uuid}/"
    assert endpoint.secret == WEBHOOK_SECRET
    settings.STRIPE_WEBHOOK_SECRET = "whsec_rotated"
    assert stripe_webhook_endpoint_sync() == url  # the URL stays; the secret follows the setting
    assert WebhookEndpoint.objects.get().secret == "whsec_rotated"
