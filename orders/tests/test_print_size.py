"""The HD file's print size at 300 dpi, in centimetres and inches, written in the customer's language."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from orders.models import Order, RenderJob
from orders.print_size import order_hd_size_text, print_size, print_size_text, render_job_hd_size

if TYPE_CHECKING:
    from styles.models import Style


def test_the_print_size_is_the_pixels_over_the_dpi_to_a_tenth() -> None:
    size = print_size(width=3840, height=2880)
    assert (size.width_cm, size.height_cm) == (Decimal("32.5"), Decimal("24.4"))  # 32.512, 24.384
    assert (size.width_in, size.height_in) == (Decimal("12.8"), Decimal("9.6"))
    portrait = print_size(width=3000, height=4000, dpi=150)
    assert (portrait.width_in, portrait.height_in, portrait.width_cm) == (Decimal(20), Decimal("26.7"), Decimal("50.8"))
    assert print_size(width=1, height=1).width_cm == Decimal("0.0")  # 0.0085 cm rounds to nothing


def test_a_tenth_is_rounded_half_up() -> None:
    # 375 px = 1.25 in: a half-way tenth rounds up, never to even (1.2).
    assert print_size(width=375, height=375).width_in == Decimal("1.3")


@pytest.mark.parametrize(("width", "height", "dpi"), [(0, 10, 300), (10, -1, 300), (10, 10, 0)])
def test_an_empty_size_has_no_print_size(width: int, height: int, dpi: int) -> None:
    with pytest.raises(ValueError, match="no print size for"):
        print_size(width=width, height=height, dpi=dpi)


def test_the_text_uses_each_languages_numbers() -> None:
    assert print_size_text(width=3840, height=2880, language="en") == (
        "3840 × 2880 px, 32.5 × 24.4 cm / 12.8 × 9.6 in at 300 dpi"
    )
    assert print_size_text(width=3840, height=2880, language="es") == (
        "3840 × 2880 px, 32,5 × 24,4 cm / 12,8 × 9,6 pulg. a 300 ppp"
    )


@pytest.mark.django_db
def test_the_hd_size_comes_from_the_workers_record_or_else_the_files_header(style: Style) -> None:
    order = Order.objects.create(email="a@example.com", style=style, content_image="uploads/x.jpg")
    recorded = RenderJob.objects.create(order=order, stats={"hd_size": [3840, 2880]})
    assert render_job_hd_size(recorded) == (3840, 2880)

    png = io.BytesIO()
    Image.new("RGB", (64, 48)).save(png, "PNG")
    from_file = RenderJob.objects.create(
        order=order, hd=default_storage.save("renders/hd.png", ContentFile(png.getvalue()))
    )
    assert render_job_hd_size(from_file) == (64, 48)

    unreadable = RenderJob.objects.create(order=order, hd=default_storage.save("renders/bad.png", ContentFile(b"x")))
    assert render_job_hd_size(unreadable) is None
    assert render_job_hd_size(RenderJob.objects.create(order=order)) is None


@pytest.mark.django_db
def test_an_orders_hd_size_text_is_in_the_language_asked_and_empty_before_a_painting(style: Style) -> None:
    order = Order.objects.create(email="a@example.com", style=style, content_image="uploads/x.jpg")
    assert order_hd_size_text(order, language="es") == ""
    RenderJob.objects.create(order=order, stats={"hd_size": [3840, 2880]})
    assert order_hd_size_text(order, language="es").startswith("3840 × 2880 px, 32,5 × 24,4 cm")
