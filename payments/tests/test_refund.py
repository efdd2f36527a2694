"""Staff refund an order from the admin through Stripe's API (replaced by FakeStripe)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from conftest import png_bytes
from orders.models import Order, OrderEvent, OrderShare, RenderJob
from payments.models import Payment
from payments.providers.stripe import payment_intent_sync
from payments.refunds import payment_refund

if TYPE_CHECKING:
    from django.test import Client
    from django.test.client import _MonkeyPatchedWSGIResponse
    from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

    from payments.tests.conftest import FakeStripe


pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(pending_payment: Payment, fake_stripe: FakeStripe) -> Payment:
    fake_stripe.succeed(pending_payment.stripe_id)
    payment_intent_sync(intent_id=pending_payment.stripe_id, actor="test")
    pending_payment.refresh_from_db()
    assert pending_payment.order.status == Order.Status.PAID
    return pending_payment


def refund(client: Client, order: Order, **extra: Any) -> _MonkeyPatchedWSGIResponse:
    data = {"action": "refund", "_selected_action": [order.pk], **extra}
    return client.post("/admin/orders/order/", data, follow=True)


def refund_calls(fake_stripe: FakeStripe) -> Any:
    return [call for call in fake_stripe.calls if call.path == "/v1/refunds"]


def test_staff_confirm_before_any_money_moves(admin_client: Client, paid: Payment, fake_stripe: FakeStripe) -> None:
    response = refund(admin_client, paid.order)
    assert "Refund the full amount" in response.content.decode()
    assert refund_calls(fake_stripe) == []


def test_a_confirmed_refund_goes_through_stripe_and_marks_payment_and_order_refunded(
    admin_client: Client, paid: Payment, fake_stripe: FakeStripe
) -> None:
    response = refund(admin_client, paid.order, post="yes")
    assert "Orders refunded: 1." in response.content.decode()
    [call] = refund_calls(fake_stripe)
    assert call.params["payment_intent"] == paid.stripe_id
    assert call.params["amount"] == "1400"
    assert call.headers["Idempotency-Key"] == f"picmatix-refund-{paid.stripe_id}-1400"
    assert call.params["metadata[requested_by]"] == "staff:admin"
    paid.refresh_from_db()
    assert paid.status == Payment.Status.REFUNDED
    assert paid.amount_refunded == Decimal("14.00")
    assert paid.order.status == Order.Status.REFUNDED
    events = list(paid.order.events.filter(id__gt=3).values_list("kind", "actor"))
    assert events == [
        (OrderEvent.Kind.REFUND_REQUESTED, "staff:admin"),
        (OrderEvent.Kind.REFUND_CREATED, "staff:admin"),
        (OrderEvent.Kind.PAYMENT_REFUNDED, "staff:admin"),
        (OrderEvent.Kind.ORDER_REFUNDED, "staff:admin"),
    ]
    assert fake_stripe.unexpected == []


def test_a_refunded_order_is_not_refunded_twice(admin_client: Client, paid: Payment, fake_stripe: FakeStripe) -> None:
    refund(admin_client, paid.order, post="yes")
    response = refund(admin_client, paid.order, post="yes")
    assert f"Order #{paid.order.pk}: not done, no payment to refund." in response.content.decode()
    assert len(refund_calls(fake_stripe)) == 1


def test_a_retried_refund_reuses_stripes_refund_through_the_idempotency_key(
    paid: Payment, fake_stripe: FakeStripe
) -> None:
    payment_refund(payment=paid, actor="staff:a")
    Payment.objects.filter(pk=paid.pk).update(status=Payment.Status.SUCCEEDED, amount_refunded=0)
    paid.refresh_from_db()
    payment_refund(payment=paid, actor="staff:a")  # e.g. our sync failed after Stripe refunded
    assert len(fake_stripe.refunds) == 1
    assert len(refund_calls(fake_stripe)) == 2


def test_stripe_being_down_is_reported_and_logged(admin_client: Client, paid: Payment, fake_stripe: FakeStripe) -> None:
    fake_stripe.down = True
    response = refund(admin_client, paid.order, post="yes")
    assert f"Order #{paid.order.pk}: not done," in response.content.decode()
    paid.refresh_from_db()
    assert paid.status == Payment.Status.SUCCEEDED
    assert OrderEvent.objects.filter(kind=OrderEvent.Kind.REFUND_FAILED, actor="staff:admin").exists()


def test_staff_without_the_permission_cannot_refund(
    staff_client: Callable[..., Client], paid: Payment, fake_stripe: FakeStripe
) -> None:
    client = staff_client("orders.view_order", "orders.change_order", "payments.view_payment")
    assert 'value="refund"' not in client.get("/admin/orders/order/").content.decode()
    refund(client, paid.order, post="yes")
    assert refund_calls(fake_stripe) == []
    paid.refresh_from_db()
    assert paid.status == Payment.Status.SUCCEEDED


def test_staff_with_the_permission_may_refund(
    staff_client: Callable[..., Client], paid: Payment, fake_stripe: FakeStripe
) -> None:
    client = staff_client("orders.view_order", "orders.refund_order", username="cashier")
    refund(client, paid.order, post="yes")
    paid.refresh_from_db()
    assert paid.status == Payment.Status.REFUNDED
    assert OrderEvent.objects.get(kind=OrderEvent.Kind.REFUND_REQUESTED).actor == "staff:cashier"


def test_a_refund_takes_the_painting_without_the_mark_off_the_share_page(
    admin_client: Client,
    client: Client,
    paid: Payment,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    order = paid.order
    RenderJob.objects.filter(order=order).update(
        hd=default_storage.save("renders/real-hd.png", ContentFile(png_bytes((320, 240))))
    )
    client.post(f"/en/orders/{order.token}/share/", {"show": "clean"})
    share = OrderShare.objects.get(order=order)
    assert share.clean
    name = share.clean.name
    with django_capture_on_commit_callbacks(execute=True):
        refund(admin_client, order, post="yes")
    share.refresh_from_db()
    assert share.clean.name == ""
    assert not default_storage.exists(name)
    assert order.events.filter(kind=OrderEvent.Kind.SHARE_CHANGED, data__clean=False).exists()
