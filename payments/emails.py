from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone, translation

from core.mail import RenderedEmail, email_render
from orders.emails import order_absolute_url
from orders.models import Order
from orders.print_size import print_size_text, render_job_hd_size
from payments.links import hd_link_url


def _hd_size_text(order: Order) -> str:
    job = order.current_job
    size = render_job_hd_size(job) if job is not None else None
    return print_size_text(width=size[0], height=size[1], language=order.language) if size else ""


def hd_email(order: Order) -> RenderedEmail:
    with translation.override(order.language):
        context = {
            "order": order,
            "style_name": order.style.name,
            "download_url": hd_link_url(order),
            "order_url": order_absolute_url(order),
            "expires": timezone.now() + timedelta(days=settings.HD_LINK_MAX_AGE_DAYS),
            "hd_size": _hd_size_text(order),
        }
    return email_render("hd-ready", language=order.language, context=context)
