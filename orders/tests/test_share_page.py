"""A customer can publish their painting on a page of its own to show a friend: a key that is not the
order's token, an Open Graph image for messengers' preview cards, a 404 at once when withdrawn, never
the photo; deletion and retention remove it, and logs never show its key."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from conftest import png_bytes
from orders.deletion import order_customer_data_delete
from orders.models import Order, OrderEvent, OrderShare
from orders.reconcile import reconcile
from orders.retention import retention_purge
from orders.sharing import CLEAN_LONG_SIDE
from picmatix.logs import redact

if TYPE_CHECKING:
    from django.test import Client
    from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings


pytestmark = pytest.mark.django_db


def publish(client: Client, order: Order) -> str:
    """Publish the order's painting; the share page's path."""
    response = client.post(f"/en/orders/{order.token}/share/")
    assert response.status_code == 303
    share = OrderShare.objects.get(order=order)
    return f"/en/share/{share.key}/"


def test_a_get_publishes_nothing(client: Client, painted_order: Order) -> None:
    assert client.get(f"/en/orders/{painted_order.token}/share/").status_code == 405
    assert not OrderShare.objects.exists()


def test_the_share_page_has_its_own_key_and_a_preview_card(client: Client, painted_order: Order) -> None:
    painted_order.jobs.update(stats={"preview_size": [96, 72]})  # as the worker records it
    path = publish(client, painted_order)
    key = OrderShare.objects.get().key
    assert key != painted_order.token
    assert painted_order.token[:16] not in key
    page = client.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    image = f"http://127.0.0.1:8000/en/share/{key}/painting.jpg"
    assert f'<meta property="og:image" content="{image}">' in html
    assert '<meta property="og:image:width" content="96">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert f'<meta property="og:url" content="http://127.0.0.1:8000{path}">' in html
    picture = client.get(f"/en/share/{key}/painting.jpg")
    assert picture.status_code == 200
    assert picture.getvalue() == default_storage.open(painted_order.current_job.preview.name).read()


def test_the_order_page_shows_the_link_and_a_way_to_withdraw_it(client: Client, painted_order: Order) -> None:
    path = publish(client, painted_order)
    page = client.get(f"/en/orders/{painted_order.token}/").content.decode()
    assert f"http://127.0.0.1:8000{path}" in page
    assert f'action="/en/orders/{painted_order.token}/share/withdraw/"' in page


def test_the_share_page_never_leads_to_the_order_or_the_photo(client: Client, painted_order: Order) -> None:
    path = publish(client, painted_order)
    key = OrderShare.objects.get().key
    html = client.get(path).content.decode()
    for secret in (painted_order.token, painted_order.content_image.name, "photo.jpg", "ana@example.com"):
        assert secret not in html
    assert client.get(f"/en/share/{key}/photo.jpg").status_code == 404
    assert client.get(f"/en/share/{key}/before.jpg").status_code == 404


def test_withdrawing_answers_404_at_once(client: Client, painted_order: Order) -> None:
    path = publish(client, painted_order)
    key = OrderShare.objects.get().key
    client.get(f"{path}painting.jpg")
    response = client.post(f"/en/orders/{painted_order.token}/share/withdraw/")
    assert response.status_code == 303
    assert client.get(path).status_code == 404
    assert client.get(f"/en/share/{key}/painting.jpg").status_code == 404


def test_publishing_again_makes_a_new_key(client: Client, painted_order: Order) -> None:
    first = publish(client, painted_order)
    client.post(f"/en/orders/{painted_order.token}/share/withdraw/")
    second = publish(client, painted_order)
    assert first != second
    assert client.get(first).status_code == 404


def test_an_order_without_a_painting_cannot_be_shared(client: Client, painted_order: Order) -> None:
    painted_order.jobs.update(preview="")
    assert client.post(f"/en/orders/{painted_order.token}/share/").status_code == 303
    assert not OrderShare.objects.exists()


def test_deleting_the_customers_data_removes_the_share(client: Client, painted_order: Order) -> None:
    path = publish(client, painted_order)
    order_customer_data_delete(order_id=painted_order.pk, actor="customer")
    assert client.get(path).status_code == 404
    assert not OrderShare.objects.exists()


def test_retention_removes_the_share(client: Client, painted_order: Order, settings: Settings, media: Path) -> None:
    path = publish(client, painted_order)
    Order.objects.filter(pk=painted_order.pk).update(
        created_at=timezone.now() - timedelta(days=settings.RETENTION_UNPAID_DAYS + 1)
    )
    retention_purge()
    assert client.get(path).status_code == 404
    assert not OrderShare.objects.exists()


def test_unknown_keys_get_a_404(client: Client, painted_order: Order) -> None:
    publish(client, painted_order)
    assert client.get("/en/share/" + "A" * 22 + "/").status_code == 404
    assert client.get(f"/en/share/{painted_order.token}/").status_code == 404


def test_the_key_is_redacted_in_logs(client: Client, painted_order: Order) -> None:
    path = publish(client, painted_order)
    key = OrderShare.objects.get().key
    line = redact(f'"GET {path}painting.jpg HTTP/1.1" 200 and Referer http://x{path}')
    assert key not in line
    assert re.search(r"/share/\[redacted\]", line)


def test_the_share_page_speaks_spanish(client: Client, painted_order: Order) -> None:
    publish(client, painted_order)
    key = OrderShare.objects.get().key
    assert "Pinta tu propia foto" in client.get(f"/es/share/{key}/").content.decode()


def paid(order: Order) -> Order:
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PAID, paid_at=timezone.now())
    order.refresh_from_db()
    return order


def publish_clean(client: Client, order: Order) -> OrderShare:
    response = client.post(f"/en/orders/{order.token}/share/", {"show": "clean"})
    assert response.status_code == 303
    return OrderShare.objects.get(order=order)


def test_an_unpaid_order_cannot_show_the_painting_without_the_mark(client: Client, painted_order: Order) -> None:
    page = client.get(f"/en/orders/{painted_order.token}/").content.decode()
    assert 'value="clean"' not in page
    response = client.post(f"/en/orders/{painted_order.token}/share/", {"show": "clean"})
    assert response["Location"].endswith("?share=unpaid#share")
    assert not OrderShare.objects.exists()
    assert not default_storage.exists("shares") or default_storage.listdir("shares") == ([], [])
    assert "once it is paid for" in client.get(response["Location"]).content.decode()


def test_a_paid_order_shows_a_screen_size_copy_of_the_painting_without_the_mark(
    client: Client, painted_order: Order
) -> None:
    order = paid(painted_order)
    assert 'value="clean"' in client.get(f"/en/orders/{order.token}/").content.decode()
    share = publish_clean(client, order)
    assert share.clean.name.startswith("shares/")
    for secret in (share.key, order.token):
        assert secret not in share.clean.name
    picture = client.get(f"/en/share/{share.key}/painting.jpg").getvalue()
    with Image.open(io.BytesIO(picture)) as image:
        assert image.format == "JPEG"
        assert image.size == (800, 600)  # the HD painting, not the 96 px preview
    assert picture != default_storage.open(order.current_job.hd.name).read()  # a copy, never the print file
    assert picture == default_storage.open(share.clean.name).read()
    html = client.get(f"/en/share/{share.key}/").content.decode()
    assert '<meta property="og:image:width" content="800">' in html
    assert '<meta property="og:image:height" content="600">' in html
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.SHARE_PUBLISHED, data__clean=True).exists()


def test_a_large_painting_is_shared_at_screen_size(client: Client, painted_order: Order) -> None:
    order = paid(painted_order)
    job = order.current_job
    job.hd = default_storage.save("renders/big-hd.png", ContentFile(png_bytes((3840, 2880))))
    job.save()
    share = publish_clean(client, order)
    with Image.open(default_storage.open(share.clean.name)) as image:
        assert image.size == (CLEAN_LONG_SIDE, 1200)


def test_going_back_to_the_mark_or_withdrawing_deletes_the_copy(
    client: Client, painted_order: Order, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    order = paid(painted_order)
    share = publish_clean(client, order)
    name, key = share.clean.name, share.key
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/en/orders/{order.token}/share/", {"show": "preview"})
    share.refresh_from_db()
    assert (share.key, share.clean.name) == (key, "")  # the same page, now with the mark
    assert not default_storage.exists(name)
    picture = client.get(f"/en/share/{key}/painting.jpg").getvalue()
    assert picture == default_storage.open(order.current_job.preview.name).read()
    name = publish_clean(client, order).clean.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/en/orders/{order.token}/share/withdraw/")
    assert not default_storage.exists(name)
    assert client.get(f"/en/share/{key}/painting.jpg").status_code == 404


def test_deleting_the_customers_data_deletes_the_copy(
    client: Client, painted_order: Order, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    name = publish_clean(client, paid(painted_order)).clean.name
    with django_capture_on_commit_callbacks(execute=True):
        order_customer_data_delete(order_id=painted_order.pk, actor="customer")
    assert not default_storage.exists(name)


def test_retention_deletes_the_copy(client: Client, painted_order: Order, settings: Settings) -> None:
    name = publish_clean(client, paid(painted_order)).clean.name
    Order.objects.filter(pk=painted_order.pk).update(
        created_at=timezone.now() - timedelta(days=settings.RETENTION_PAID_DAYS + 1),
        paid_at=timezone.now() - timedelta(days=settings.RETENTION_PAID_DAYS + 1),
    )
    retention_purge()
    assert not OrderShare.objects.exists()
    assert not default_storage.exists(name)


def test_a_copy_left_behind_is_an_orphan_for_the_reconcile(client: Client, painted_order: Order) -> None:
    share = publish_clean(client, paid(painted_order))
    kept = share.clean.name
    stray = default_storage.save("shares/stray.jpg", ContentFile(b"left behind"))
    later = timezone.now() + timedelta(days=1)
    orphans = reconcile(fix=False, now=later).orphan_files
    assert stray in orphans
    assert kept not in orphans


def test_a_refund_puts_the_mark_back(client: Client, painted_order: Order) -> None:
    share = publish_clean(client, paid(painted_order))
    Order.objects.filter(pk=painted_order.pk).update(status=Order.Status.REFUNDED)
    # Until the refund's own clean-up runs, the page already serves the preview: the copy is shown
    # only while the order is paid.
    picture = client.get(f"/en/share/{share.key}/painting.jpg").getvalue()
    assert picture == default_storage.open(painted_order.current_job.preview.name).read()
