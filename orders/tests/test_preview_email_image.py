"""The preview email carries the watermarked preview inside the message (a cid: image of a
multipart/related HTML part), so it shows without loading remote images; the text part stays."""

from __future__ import annotations

import email
import io
import re
from email.message import Message
from typing import TYPE_CHECKING

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from core.mail import email_message
from orders.emails import preview_email
from orders.models import Order, RenderJob
from orders.tasks import order_preview_email_send

if TYPE_CHECKING:
    from styles.models import Style


pytestmark = pytest.mark.django_db


def jpeg(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (120, 60, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def order(style: Style) -> Order:
    order = Order.objects.create(
        email="ana@example.com",
        style=style,
        content_image="uploads/x.jpg",
        language="en",
        status=Order.Status.PREVIEW_READY,
    )
    preview = default_storage.save("renders/k-preview.jpg", ContentFile(jpeg(1024, 768)))
    RenderJob.objects.create(order=order, status=RenderJob.Status.DONE, preview=preview)
    return order


def parsed(raw: bytes) -> Message:
    return email.message_from_bytes(raw)


def parts(message: Message) -> list[Message]:
    payload = message.get_payload()
    assert isinstance(payload, list)
    messages = [part for part in payload if isinstance(part, Message)]
    assert len(messages) == len(payload)
    return messages


def structure(part: Message) -> list | str:
    if part.is_multipart():
        return [part.get_content_type(), [structure(child) for child in part.get_payload()]]
    return part.get_content_type()


def test_the_preview_is_an_inline_image_the_html_shows_by_its_content_id(order: Order) -> None:
    order_preview_email_send(order.pk)
    message = parsed(mail.outbox[0].message().as_bytes())
    assert structure(message) == [
        "multipart/alternative",
        ["text/plain", ["multipart/related", ["text/html", "image/jpeg"]]],
    ]
    text, related = parts(message)
    html, image = parts(related)
    assert "See my painting" not in text.get_payload(decode=True).decode()  # the button is HTML only
    assert f"/en/orders/{order.token}/" in text.get_payload(decode=True).decode()

    content_id = image["Content-ID"]
    assert content_id.startswith("<")
    assert content_id.endswith(">")
    body = html.get_payload(decode=True).decode()
    img = re.search(r'<img src="cid:([^"]+)"[^>]*>', body)
    assert img
    assert f"<{img[1]}>" == content_id
    assert 'width="528"' in img[0]  # the column's width, not the preview's 1024 px
    assert body.index("cid:") < body.index("See my painting")  # the picture above the button
    assert image.get_content_disposition() == "inline"
    with Image.open(io.BytesIO(image.get_payload(decode=True))) as picture:
        assert picture.size == (1024, 768)


def test_a_small_preview_is_shown_at_its_own_width(order: Order) -> None:
    job = order.current_job
    job.preview = default_storage.save("renders/small-preview.jpg", ContentFile(jpeg(320, 240)))
    job.save()
    assert 'width="320"' in preview_email(order).html


def test_in_spanish_the_image_has_a_spanish_description(order: Order) -> None:
    order.language = "es"
    order.save()
    rendered = preview_email(order)
    assert 'alt="Vista previa de tu cuadro (con marca de agua)"' in rendered.html
    assert len(rendered.inline_images) == 1


def test_without_a_readable_preview_the_email_goes_without_the_picture(order: Order) -> None:
    default_storage.delete(order.current_job.preview.name)
    rendered = preview_email(order)
    assert rendered.inline_images == ()
    assert "cid:" not in rendered.html
    message = parsed(email_message(rendered, to=order.email).message().as_bytes())
    assert structure(message) == ["multipart/alternative", ["text/plain", "text/html"]]
