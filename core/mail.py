"""Sending the shop's emails. One email = one name = three templates: emails/<name>-subject.txt,
-body.txt, -body.html. Knows no order: orders/emails.py and payments/emails.py build the messages."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.mime.image import MIMEImage
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import SafeMIMEMultipart
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InlineImage:
    """A picture the HTML part shows as <img src="cid:{content_id}">, carried in the message itself
    so that it shows even where the mail client does not load remote images."""

    content_id: str
    content: bytes
    subtype: str  # image/<subtype>
    filename: str
    width: int  # as shown: no wider than the email's column


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    inline_images: tuple[InlineImage, ...] = ()


class _EmailWithInlineImages(EmailMultiAlternatives):
    """multipart/alternative [text/plain, multipart/related [text/html, image...]]: the images belong
    to the HTML part only, so a text-only reader sees no attachment."""

    def __init__(self, *args: Any, inline_images: tuple[InlineImage, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inline_images = inline_images

    def _create_alternatives(self, msg: Any) -> Any:
        msg = super()._create_alternatives(msg)  # type: ignore[misc]  # a private hook the stubs omit
        if not self.inline_images:
            return msg
        parts = msg.get_payload()
        related = SafeMIMEMultipart(_subtype="related", encoding=self.encoding or settings.DEFAULT_CHARSET)
        related.attach(parts[-1])  # the text/html alternative, the last one attached
        for image in self.inline_images:
            part = MIMEImage(image.content, _subtype=image.subtype)
            part.add_header("Content-ID", f"<{image.content_id}>")
            part.add_header("Content-Disposition", "inline", filename=image.filename)
            related.attach(part)
        msg.set_payload([*parts[:-1], related])
        return msg


def email_render(name: str, *, language: str, context: dict[str, Any]) -> RenderedEmail:
    with translation.override(language):
        subject = render_to_string(f"emails/{name}-subject.txt", context)
        text = render_to_string(f"emails/{name}-body.txt", context)
        html = render_to_string(f"emails/{name}-body.html", context)
    # A subject must be one line whatever the template's whitespace.
    return RenderedEmail(subject=" ".join(subject.split()), text=text, html=html)


def email_message(rendered: RenderedEmail, *, to: str) -> EmailMultiAlternatives:
    message = _EmailWithInlineImages(
        rendered.subject, rendered.text, settings.DEFAULT_FROM_EMAIL, [to], inline_images=rendered.inline_images
    )
    message.attach_alternative(rendered.html, "text/html")
    return message


def email_send(rendered: RenderedEmail, *, to: str) -> None:
    email_message(rendered, to=to).send()


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


# The Celery options of a task that sends an email: a failure a later try may cure (a refusal for
# now, a lost connection, a timeout) is tried again after 30 s, 60 s, 120 s ... (at most an hour
# apart, with jitter), 12 times: about half a day of a mail server's trouble.
MAIL_RETRY_BACKOFF_S = 30
MAIL_RETRY_BACKOFF_MAX_S = 3600
MAIL_MAX_RETRIES = 12
MAIL_TASK_RETRY: dict[str, Any] = {
    "autoretry_for": MAIL_ERRORS,
    "retry_backoff": MAIL_RETRY_BACKOFF_S,
    "retry_backoff_max": MAIL_RETRY_BACKOFF_MAX_S,
    "retry_jitter": True,
    "max_retries": MAIL_MAX_RETRIES,
}


def email_deliver(rendered: RenderedEmail, *, to: str) -> int | None:
    """Send one email: None once the server took it, else the SMTP code with which the server refused
    the message or its recipient for good (another try would get the same answer).

    The one place a mail failure is classified (``email_refusal_code``). A failure a later try may
    cure is raised, for the sending task to retry (``MAIL_TASK_RETRY``); anything else is a bug.
    """
    try:
        email_send(rendered, to=to)
    except MAIL_ERRORS as exc:
        code = email_refusal_code(exc)
        if code is None:
            raise
        return code
    return None
