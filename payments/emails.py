from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone, translation

from core.mail import RenderedEmail, email_render
from orders.emails import order_absolute_url
from orders.models import Order
from orders.print_size import order_hd_size_text
from payments.links import hd_link_url


def hd_email(order: Order) -> RenderedEmail:
    with translation.override(order.language):
        context = {
            "order": order,
            "style_name": order.style.name,
            "download_url": hd_link_url(order),
            "order_url": order_absolute_url(order),
            "expires": timezone.now() + timedelta(days=settings.HD_LINK_MAX_AGE_DAYS),
            "hd_size": order_hd_size_text(order, language=order.language),
        }
    return email_render("hd-ready", language=order.language, context=context)
