"""On a customer's request staff delete their photo, paintings and email; the order's accounts stay."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.core.files.storage import default_storage

from conftest import stored_files
from gallery.services import gallery_approve
from orders.deletion import order_customer_data_delete
from orders.jobs import render_job_finish
from orders.models import Order, OrderEvent, RenderJob
from orders.staff import OrderActionRefused

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.core.mail import EmailMessage
    from django.test import Client
    from django.test.client import _MonkeyPatchedWSGIResponse
    from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks
    from pytest_mock import MockerFixture


pytestmark = pytest.mark.django_db


def customer_files(media: Path) -> Any:
    return [path for path in stored_files(media) if "styles" not in path.parts]


def delete(client: Client, order: Order, **extra: Any) -> _MonkeyPatchedWSGIResponse:
    data = {"action": "delete_customer_data", "_selected_action": [order.pk], **extra}
    return client.post("/admin/orders/order/", data, follow=True)


def test_staff_are_asked_to_confirm_and_nothing_is_deleted_before(
    admin_client: Client, painted_order: Order, media: Path
) -> None:
    response = delete(admin_client, painted_order)
    assert "Are you sure?" in response.content.decode()
    assert "ana@example.com" in response.content.decode()
    painted_order.refresh_from_db()
    assert painted_order.email == "ana@example.com"
    assert painted_order.data_deleted_at is None
    assert len(customer_files(media)) == 3


def test_confirmed_deletion_removes_files_email_and_gallery_but_keeps_the_log(
    admin_client: Client,
    admin_user: User,
    painted_order: Order,
    media: Path,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    gallery_approve(order_id=painted_order.pk, user=admin_user)
    assert len(customer_files(media)) == 4  # photo, preview, HD, the painting's gallery thumbnail
    with django_capture_on_commit_callbacks(execute=True):
        response = delete(admin_client, painted_order, post="yes")
    assert "Customer data deleted for 1 orders." in response.content.decode()
    assert customer_files(media) == []
    painted_order.refresh_from_db()
    assert painted_order.email == ""
    assert not painted_order.content_image
    assert painted_order.data_deleted_at
    assert not painted_order.gallery_consent
    assert not hasattr(painted_order, "gallery_entry")
    job = painted_order.jobs.get()
    assert not job.preview
    assert not job.hd
    assert job.status == RenderJob.Status.DONE
    event = OrderEvent.objects.get(kind=OrderEvent.Kind.DATA_DELETED)
    assert event.actor == "staff:admin"
    assert event.data == {"files": 4}
    assert list(painted_order.events.values_list("kind", flat=True)) == [
        OrderEvent.Kind.GALLERY_APPROVED,
        OrderEvent.Kind.DATA_DELETED,
    ]
    # The customer's page says what happened and offers nothing that needs the deleted files.
    page = admin_client.get(f"/en/orders/{painted_order.token}/").content.decode()
    assert "we deleted your photo, your paintings and your email address" in page
    assert admin_client.get(f"/en/orders/{painted_order.token}/preview.jpg").status_code == 404
    assert admin_client.get(f"/en/orders/{painted_order.token}/buy/").status_code == 302


def test_a_render_in_progress_is_stopped_and_its_output_dropped(
    painted_order: Order, media: Path, mocker: MockerFixture
) -> None:
    from orders.jobs import RenderOutput

    mocker.patch("orders.enqueue.preview_email_enqueue")
    job = RenderJob.objects.create(order=painted_order, status=RenderJob.Status.RUNNING, worker="w1")
    order_customer_data_delete(order_id=painted_order.pk, actor="staff:admin")
    job.refresh_from_db()
    assert job.status == RenderJob.Status.FAILED
    assert job.error == "customer data deleted"
    before = stored_files(media / "renders")
    assert not render_job_finish(job_id=job.pk, worker="w1", output=RenderOutput(b"p", b"h", {}))
    assert stored_files(media / "renders") == before


def test_data_is_deleted_once(painted_order: Order) -> None:
    order_customer_data_delete(order_id=painted_order.pk, actor="staff:a")
    with pytest.raises(OrderActionRefused):
        order_customer_data_delete(order_id=painted_order.pk, actor="staff:b")
    assert OrderEvent.objects.filter(kind=OrderEvent.Kind.DATA_DELETED).count() == 1


def test_no_email_goes_to_an_anonymised_order(painted_order: Order, mailoutbox: list[EmailMessage]) -> None:
    from orders.tasks import order_preview_email_send

    order_customer_data_delete(order_id=painted_order.pk, actor="staff:a")
    order_preview_email_send(painted_order.pk, True)
    assert mailoutbox == []


def test_staff_without_the_permission_cannot_delete_customer_data(
    staff_client: Callable[..., Client], painted_order: Order, media: Path
) -> None:
    client = staff_client("orders.view_order", "orders.change_order", "orders.delete_order")
    assert 'value="delete_customer_data"' not in client.get("/admin/orders/order/").content.decode()
    delete(client, painted_order, post="yes")
    painted_order.refresh_from_db()
    assert painted_order.email == "ana@example.com"
    assert default_storage.exists(painted_order.content_image.name)
    assert not OrderEvent.objects.filter(kind=OrderEvent.Kind.DATA_DELETED).exists()
    assert Order.objects.count() == 1
