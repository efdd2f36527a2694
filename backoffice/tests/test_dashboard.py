"""The staff dashboard: orders per day, conversion, revenue per currency, the queue, failures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import timezone

from orders.models import Order, RenderJob
from orders.selectors import orders_per_day, preview_conversion, render_failures
from payments.models import Payment
from payments.selectors import revenue_per_currency

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client

    from styles.models import Style


pytestmark = pytest.mark.django_db


def order(style: Style, *, days_ago: Any = 0, painted: Any = False, paid: Any = False, **fields: Any) -> Any:
    created = Order.objects.create(email="a@example.com", style=style, content_image="uploads/x.jpg", **fields)
    Order.objects.filter(pk=created.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago), paid_at=timezone.now() if paid else None
    )
    if painted or paid:
        RenderJob.objects.create(order=created, status=RenderJob.Status.DONE)
    return created


def payment(
    order_: Any, amount: Any, currency: Any, *, status: Any = Payment.Status.SUCCEEDED, refunded: Any = "0"
) -> Any:
    return Payment.objects.create(
        order=order_,
        stripe_id=f"pi_{Payment.objects.count()}",
        amount=Decimal(amount),
        currency=currency,
        status=status,
        amount_refunded=Decimal(refunded),
    )


@pytest.fixture
def shop(style: Style) -> None:
    order(style, days_ago=0)
    order(style, days_ago=0, painted=True)
    paid_today = order(style, days_ago=0, paid=True)
    paid_yesterday = order(style, days_ago=1, paid=True)
    order(style, days_ago=40, paid=True)  # outside every period below
    payment(paid_today, "14.00", "EUR")
    payment(paid_yesterday, "2000", "JPY")
    refunded = order(style, days_ago=2, paid=True)
    payment(refunded, "10.50", "EUR", status=Payment.Status.REFUNDED, refunded="10.50")
    payment(order(style, days_ago=2), "9.00", "EUR", status=Payment.Status.PENDING)
    failed = order(style, days_ago=1, status=Order.Status.FAILED)
    for error in ("InsufficientMemory: pass 2 needs 9 GB\ntraceback...", "InsufficientMemory: pass 2 needs 9 GB"):
        RenderJob.objects.create(
            order=failed, status=RenderJob.Status.FAILED, error=error, finished_at=timezone.now(), attempts=3
        )
    RenderJob.objects.create(
        order=failed, status=RenderJob.Status.FAILED, error="lease expired", finished_at=timezone.now()
    )


def test_orders_per_day_count_orders_previews_and_payments(shop: None) -> None:
    rows = orders_per_day(days=3)
    assert [(r["orders"], r["previews"], r["paid"]) for r in rows] == [(2, 1, 1), (2, 1, 1), (3, 2, 1)]
    assert rows[-1]["day"] == timezone.localdate()


def test_conversion_counts_paid_orders_among_those_with_a_preview(shop: None) -> None:
    assert preview_conversion(days=30) == {"days": 30, "previews": 4, "paid": 3, "percent": 75.0}


def test_revenue_is_decimal_per_currency_net_of_refunds(shop: None) -> None:
    revenue = revenue_per_currency(since=timezone.now() - timedelta(days=30))
    assert revenue == [
        {
            "currency": "EUR",
            "payments": 2,
            "gross": Decimal("24.50"),
            "refunded": Decimal("10.50"),
            "net": Decimal("14.00"),
        },
        {"currency": "JPY", "payments": 1, "gross": Decimal("2000"), "refunded": Decimal("0"), "net": Decimal("2000")},
    ]


def test_failures_are_grouped_by_their_first_line(shop: None) -> None:
    failures = render_failures(days=7)
    assert failures["count"] == 3
    assert failures["reasons"] == [("InsufficientMemory: pass 2 needs 9 GB", 2), ("lease expired", 1)]


def test_the_dashboard_page_shows_every_part(admin_client: Client, shop: None) -> None:
    order = Order.objects.first()
    assert order is not None
    RenderJob.objects.create(order=order, status=RenderJob.Status.QUEUED)
    page = admin_client.get("/admin/dashboard/?days=7").content.decode()
    for text in ("Render queue", "Orders per day", "<svg", "Conversion: preview → paid", "75.0 %", "24.50", "14.00"):
        assert text in page, text
    assert "InsufficientMemory: pass 2 needs 9 GB" in page
    assert "Failed renders: 3" in page
    assert '<div class="figure">queued<strong>1</strong></div>' in page
    assert "/admin/dashboard/" in admin_client.get("/admin/").content.decode()


def test_staff_see_revenue_only_with_the_payments_permission(staff_client: Callable[..., Client], shop: None) -> None:
    client = staff_client("orders.view_order")
    page = client.get("/admin/dashboard/").content.decode()
    assert "Orders per day" in page
    assert "Revenue" not in page


def test_only_staff_who_may_see_orders_get_the_dashboard(
    client: Client, staff_client: Callable[..., Client], django_user_model: type[User]
) -> None:
    response = client.get("/admin/dashboard/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert staff_client().get("/admin/dashboard/").status_code == 403


def test_the_dashboard_counts_the_emails_owed_to_customers(admin_client: Client, style: Style) -> None:
    order(style, painted=True)  # its preview email never went out
    order(style, painted=True, preview_email_sent_at=timezone.now())
    page = admin_client.get("/admin/dashboard/").content.decode()
    section = page[page.index('id="emails"') :]
    assert "previews not sent<strong>1</strong>" in section
    assert "downloads not sent<strong>0</strong>" in section
