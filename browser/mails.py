"""Emails that Django's file backend wrote (PICMATIX_EMAIL=file), read as a mail client would.

Django-free, so that scripts outside the test run (browser/make_run_journey.py) can read them too.
"""

from __future__ import annotations

import base64
import email
import email.policy
import re
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

# Django's file email backend writes each message followed by a line of 79 dashes.
_FILE_MAIL_SEPARATOR = re.compile(rb"^-{79}$", re.MULTILINE)


@dataclass(frozen=True)
class Mail:
    to: list[str]
    subject: str
    text: str
    html: str


def mails_in_folder(folder: Path) -> list[Mail]:
    """Messages a process with PICMATIX_EMAIL=file wrote to `folder`, oldest first."""
    mails = []
    for path in sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime):
        for chunk in _FILE_MAIL_SEPARATOR.split(path.read_bytes()):
            if not chunk.strip():
                continue
            message = email.message_from_bytes(chunk.strip(), policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            text, html = message.get_body(("plain",)), message.get_body(("html",))
            mails.append(
                Mail(
                    to=[address.strip() for address in str(message["To"]).split(",")],
                    subject=str(message["Subject"]),
                    text=text.get_content() if text else "",
                    html=_inline_images_as_data(message, html.get_content() if html else ""),
                )
            )
    return mails


def _inline_images_as_data(message: EmailMessage, html: str) -> str:
    """What a mail client does with <img src="cid:...">: show the message's own image part, here
    as a data: URL so that a browser opening the HTML alone shows it too."""
    for part in message.walk():
        content_id = str(part.get("Content-ID") or "").strip("<>")
        payload = part.get_payload(decode=True)
        if content_id and part.get_content_maintype() == "image" and isinstance(payload, bytes):
            data = base64.b64encode(payload).decode()
            html = html.replace(f"cid:{content_id}", f"data:{part.get_content_type()};base64,{data}")
    return html
