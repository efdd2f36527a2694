"""One email = one name = three templates: emails/<name>-subject.txt, -body.txt, -body.html."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from orders.models import Order


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def email_render(name: str, *, language: str, context: dict[str, Any]) -> RenderedEmail:
    with translation.override(language):
        subject = render_to_string(f"emails/{name}-subject.txt", context)
        text = render_to_string(f"emails/{name}-body.txt", context)
        html = render_to_string(f"emails/{name}-body.html", context)
    # A subject must be one line whatever the template's whitespace.
    return RenderedEmail(subject=" ".join(subject.split()), text=text, html=html)


def email_send(rendered: RenderedEmail, *, to: str) -> None:
    message = EmailMultiAlternatives(rendered.subject, rendered.text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(rendered.html, "text/html")
    message.send()


# Every failure of a send: smtplib's errors (all OSErrors), the network's, a timeout.
MAIL_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError, OSError)


def email_refusal_code(exc: BaseException) -> int | None:
    """The SMTP code when the server refused this message or its recipient for good (5xx), else None.

    None means a later try may succeed: a refusal for now (4xx), a dropped or refused connection, a
    timeout. A 5xx about our own login or sender address is None too: it is the shop's configuration,
    not the customer's address, and once an operator fixes it the retried email goes out.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return max(codes) if codes and all(500 <= code < 600 for code in codes) else None
    if isinstance(exc, smtplib.SMTPAuthenticationError | smtplib.SMTPSenderRefused):
        return None
    if isinstance(exc, smtplib.SMTPResponseException) and 500 <= exc.smtp_code < 600:
        return exc.smtp_code
    return None


def order_absolute_url(order: Order) -> str:
    with translation.override(order.language):
        path = reverse("orders:detail", kwargs={"token": order.token})
    return f"{settings.SITE_URL}{path}"


def preview_email(order: Order) -> RenderedEmail:
    with translation.override(order.language):
        context = {"order": order, "style_name": order.style.name, "order_url": order_absolute_url(order)}
    return email_render("preview-ready", language=order.language, context=context)


def render_failed_email(order: Order) -> RenderedEmail:
    with translation.override(order.language):
        context = {"order": order, "style_name": order.style.name, "order_url": order_absolute_url(order)}
    return email_render("render-failed", language=order.language, context=context)
