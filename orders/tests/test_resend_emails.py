"""Staff re-send the preview email (and the HD email, payments' action) to a customer who lost it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from django.core import mail

from orders.models import Order, OrderEvent
from orders.tasks import order_preview_email_send

if TYPE_CHECKING:
    from unittest.mock import MagicMock

    from django.test import Client
    from django.test.client import _MonkeyPatchedWSGIResponse
    from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks
    from pytest_mock import MockerFixture

    from styles.models import Style


pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_at_once(mocker: MockerFixture) -> MagicMock:
    """Queued emails are sent in the test's process."""
    return mocker.patch("orders.tasks.order_preview_email_send.delay", side_effect=order_preview_email_send)


def resend(client: Client, *orders: Order) -> _MonkeyPatchedWSGIResponse:
    return client.post(
        "/admin/orders/order/",
        {"action": "resend_preview_email", "_selected_action": [o.pk for o in orders]},
        follow=True,
    )


def test_staff_resend_a_preview_email_that_went_out_before(
    admin_client: Client,
    painted_order: Order,
    sent_at_once: MagicMock,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    order_preview_email_send(painted_order.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = resend(admin_client, painted_order)
    assert "Preview emails queued: 1." in response.content.decode()
    assert len(mail.outbox) == 2
    assert mail.outbox[1].to == ["ana@example.com"]
    kinds = list(painted_order.events.values_list("kind", "actor"))
    assert kinds[-2:] == [
        (OrderEvent.Kind.PREVIEW_EMAIL_RESEND_REQUESTED, "staff:admin"),
        (OrderEvent.Kind.PREVIEW_EMAIL_SENT, "system"),
    ]
    assert painted_order.events.last().data == {"resend": True}


def test_an_order_without_a_preview_gets_no_email_and_staff_are_told_why(
    admin_client: Client,
    style: Style,
    sent_at_once: MagicMock,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    painting = Order.objects.create(email="bo@example.com", style=style, content_image="uploads/x.jpg")
    with django_capture_on_commit_callbacks(execute=True):
        response = resend(admin_client, painting)
    assert f"Order #{painting.pk}: not done, there is no preview yet." in response.content.decode()
    assert mail.outbox == []


def test_staff_without_the_permission_cannot_resend_either_email(
    staff_client: Callable[..., Client], painted_order: Order, sent_at_once: MagicMock
) -> None:
    client = staff_client("orders.view_order", "orders.change_order")
    listing = client.get("/admin/orders/order/").content.decode()
    assert 'value="resend_preview_email"' not in listing
    assert 'value="resend_hd_email"' not in listing
    resend(client, painted_order)
    client.post("/admin/orders/order/", {"action": "resend_hd_email", "_selected_action": [painted_order.pk]})
    assert mail.outbox == []
    assert not OrderEvent.objects.filter(kind__endswith="resend_requested").exists()


def test_the_email_permission_offers_both_resend_actions(
    staff_client: Callable[..., Client], painted_order: Order
) -> None:
    client = staff_client("orders.view_order", "orders.resend_order_email")
    listing = client.get("/admin/orders/order/").content.decode()
    assert 'value="resend_preview_email"' in listing
    assert 'value="resend_hd_email"' in listing
    assert 'value="refund"' not in listing
    assert 'value="delete_customer_data"' not in listing
