"""core/mail.py: an email's three templates in the customer's language, a picture carried inside the
message for the HTML part only, and which SMTP failures are final."""

from __future__ import annotations

import smtplib
from email.message import Message
from typing import Any

import pytest

from core.mail import MAIL_ERRORS, InlineImage, RenderedEmail, email_message, email_refusal_code, email_render

PICTURE = InlineImage(
    content_id="preview", content=b"\xff\xd8 not a real jpeg", subtype="jpeg", filename="p.jpg", width=9
)


def test_an_email_is_rendered_in_the_language_asked_with_a_one_line_subject() -> None:
    rendered = email_render("render-failed", language="es", context={"style_name": "Noche", "order_url": "/x"})
    assert rendered.subject == "No hemos podido pintar tu foto"


def test_the_text_and_html_parts_are_both_sent() -> None:
    message = email_message(RenderedEmail(subject="s", text="plain", html="<p>html</p>"), to="ana@example.com")
    assert [part.get_content_type() for part in message.message().walk()] == [
        "multipart/alternative",
        "text/plain",
        "text/html",
    ]


def test_an_inline_picture_belongs_to_the_html_part_only() -> None:
    rendered = RenderedEmail(subject="s", text="plain", html='<img src="cid:preview">', inline_images=(PICTURE,))
    parts: list[Message] = list(email_message(rendered, to="ana@example.com").message().walk())
    assert [part.get_content_type() for part in parts] == [
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/jpeg",
    ]
    assert parts[-1]["Content-ID"] == "<preview>"


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"5.1.1 unknown")}), 550),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (553, b"5.1.3 bad address")}), 553),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (451, b"4.3.0 later")}), None),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"no"), "b@example.com": (452, b"full")}), None),
        (smtplib.SMTPDataError(554, b"5.7.1 spam"), 554),
        (smtplib.SMTPDataError(451, b"4.7.1 greylisted"), None),
        (smtplib.SMTPResponseException(421, b"4.4.2 closing"), None),
        (smtplib.SMTPAuthenticationError(535, b"5.7.8 bad credentials"), None),  # the shop's own settings
        (smtplib.SMTPSenderRefused(553, b"5.7.1 sender not allowed", "shop@localhost"), None),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), None),
        (smtplib.SMTPConnectError(421, b"busy"), None),
        (ConnectionRefusedError(111, "Connection refused"), None),
        (TimeoutError("timed out"), None),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_only_a_refusal_for_good_of_the_recipient_or_the_message_counts_as_permanent(
    error: Any, code: int | None
) -> None:
    assert isinstance(error, MAIL_ERRORS)  # every one of them is caught by the email tasks
    assert email_refusal_code(error) == code
