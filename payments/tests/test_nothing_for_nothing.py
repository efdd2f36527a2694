"""Money is never taken for nothing: a painting that is gone or being painted again cannot be bought,
and a payment that arrives for one anyway goes back by itself, or staff hear at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.core import mail
from django.utils import timezone

from orders.models import Order, OrderEvent, RenderJob
from orders.retention import retention_purge
from payments.models import Payment
from payments.tests.test_webhooks import kinds, send  # noqa: F401 (the fixture)

if TYPE_CHECKING:
    from django.test import Client
    from django.test.client import _MonkeyPatchedWSGIResponse
    from pytest_django.fixtures import Settings

    from payments.tests.conftest import FakeStripe


pytestmark = pytest.mark.django_db


def purge_unpaid(order: Order, settings: Settings) -> None:
    Order.objects.filter(pk=order.pk).update(
        created_at=timezone.now() - timedelta(days=settings.RETENTION_UNPAID_DAYS + 1)
    )
    assert retention_purge().orders == [order.pk]
    order.refresh_from_db()


def test_a_purged_unpaid_order_expires_and_its_page_says_it_cannot_be_bought(
    client: Client, order: Order, settings: Settings
) -> None:
    purge_unpaid(order, settings)
    assert order.status == Order.Status.EXPIRED
    english = client.get(f"/en/orders/{order.token}/").content.decode()
    assert "this one is no longer stored, so it cannot be bought" in english
    assert 'id="buy" hidden' in english
    spanish = client.get(f"/es/orders/{order.token}/").content.decode()
    assert "ya no se conserva, así que no se puede comprar" in spanish
    assert client.get(f"/en/orders/{order.token}/buy/")["Location"] == f"/en/orders/{order.token}/"
    refused = client.post(f"/es/orders/{order.token}/buy/", {"amount": "14"}, HTTP_ACCEPT="application/json")
    assert refused.status_code == 409
    assert "no se puede comprar" in refused.json()["error"]
    assert not Payment.objects.exists()


def test_a_painting_being_painted_again_before_payment_cannot_be_bought(client: Client, order: Order) -> None:
    RenderJob.objects.create(order=order, status=RenderJob.Status.QUEUED)
    page = client.get(f"/en/orders/{order.token}/").content.decode()
    assert "Your painting is being painted again" in page
    refused = client.post(f"/en/orders/{order.token}/buy/", {"amount": "14"}, HTTP_ACCEPT="application/json")
    assert refused.status_code == 409
    assert not Payment.objects.exists()


def test_a_payment_that_arrives_after_the_purge_is_refunded_by_itself(
    send: Callable[..., _MonkeyPatchedWSGIResponse],  # noqa: F811
    pending_payment: Payment,
    fake_stripe: FakeStripe,
    settings: Settings,
) -> None:
    order = pending_payment.order
    purge_unpaid(order, settings)  # a delayed payment method settles after the files are gone
    send(fake_stripe.event("payment_intent.succeeded", fake_stripe.succeed(pending_payment.stripe_id)))
    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED
    assert [call.path for call in fake_stripe.calls if call.method == "POST"][-1] == "/v1/refunds"
    assert OrderEvent.Kind.REFUND_CREATED in kinds(order)
    assert mail.outbox == []  # no download link for a painting that is gone


@pytest.mark.django_db(transaction=True)  # the staff alert is emailed after its own commit
def test_a_refund_that_fails_is_put_in_front_of_staff_at_once(
    send: Callable[..., _MonkeyPatchedWSGIResponse],  # noqa: F811
    pending_payment: Payment,
    fake_stripe: FakeStripe,
    settings: Settings,
) -> None:
    from celery.exceptions import Retry

    settings.ADMINS = [("Staff", "staff@example.com")]
    order = pending_payment.order
    RenderJob.objects.create(order=order, status=RenderJob.Status.RUNNING)  # painted again, unpaid
    fake_stripe.fail_refunds = True
    with pytest.raises(Retry, match="Retry in"):  # the task tries again later
        send(fake_stripe.event("payment_intent.succeeded", fake_stripe.succeed(pending_payment.stripe_id)))
    alerted = order.events.filter(kind=OrderEvent.Kind.STAFF_ALERTED).values_list("data__reason", flat=True)
    assert [reason.split(" (")[0] for reason in alerted] == [f"payment {pending_payment.stripe_id} buys nothing"]
    # (Eager here, the task's retry surfaces in the webhook's request too; a worker runs it apart.)
    staff = [message for message in mail.outbox if "needs staff" in message.subject]
    assert [message.to for message in staff] == [["staff@example.com"]]


def test_money_that_arrives_not_as_asked_is_put_in_front_of_staff_at_once(
    send: Callable[..., _MonkeyPatchedWSGIResponse],  # noqa: F811
    pending_payment: Payment,
    fake_stripe: FakeStripe,
    settings: Settings,
) -> None:
    settings.ADMINS = [("Staff", "staff@example.com")]
    send(fake_stripe.event("payment_intent.succeeded", fake_stripe.succeed(pending_payment.stripe_id, amount=100)))
    assert OrderEvent.Kind.STAFF_ALERTED in kinds(pending_payment.order)
    [alert] = mail.outbox
    assert alert.to == ["staff@example.com"]
    assert "refund it by hand" in alert.body


def test_a_refund_that_was_never_queued_is_made_by_the_sweep(pending_payment: Payment, fake_stripe: FakeStripe) -> None:
    from datetime import timedelta

    from payments.refunds import flagged_payments_refund_sweep

    # The payment arrived for a painting being painted again, and the broker refused its refund task.
    fake_stripe.succeed(pending_payment.stripe_id)
    Payment.objects.filter(pk=pending_payment.pk).update(
        status=Payment.Status.SUCCEEDED,
        flag="paid while the order was preview_ready and could not be delivered",
        updated_at=timezone.now() - timedelta(minutes=10),
    )
    assert flagged_payments_refund_sweep() == 1
    assert OrderEvent.Kind.REFUND_CREATED in kinds(pending_payment.order)
    assert flagged_payments_refund_sweep() == 0  # refunded once: the next sweep has nothing left
    assert OrderEvent.Kind.STAFF_ALERTED not in kinds(pending_payment.order)
