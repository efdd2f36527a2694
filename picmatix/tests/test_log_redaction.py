"""Order tokens and HD link signatures never reach a log line, an error email or Sentry.

Each test reads what was really written: a log file after requests through the full stack, a
gunicorn access log line formatted by deploy/gunicorn.conf.py's logger, runserver's request line,
Django's error email, and the events Sentry would send.
"""

from __future__ import annotations

import json
import logging
import logging.config
import runpy
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from django.core import mail
from django.test import Client

from orders.models import Order
from payments.links import hd_link_signature
from picmatix.logs import REDACTED, logging_config

if TYPE_CHECKING:
    from pytest_django.fixtures import Settings
    from pytest_mock import MockerFixture

    from styles.models import Style


pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
CLIENT_SECRET = "pi_3QabcDEF123_secret_Zyx987Wvu"


@pytest.fixture
def order(style: Style) -> Order:
    return Order.objects.create(email="ana@example.com", style=style, content_image="uploads/x.jpg")


@pytest.fixture
def secrets_of(order: Order) -> tuple[str, str]:
    return order.token, hd_link_signature(order.token)


@pytest.fixture
def log_file(tmp_path: Path, settings: Settings) -> Iterator[Path]:
    """The project's LOGGING (JSON, as in production) writing to a file; the test's own put back after."""
    path = tmp_path / "web.log"
    logging.config.dictConfig(logging_config(fmt="json", level="INFO", file=str(path)))
    yield path
    logging.config.dictConfig(settings.LOGGING)


def assert_redacted(text: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in text
    assert REDACTED in text


def test_django_request_logs_of_404s_and_500s_are_redacted(
    log_file: Path, order: Order, secrets_of: tuple[str, str], mocker: MockerFixture
) -> None:
    token, signature = secrets_of
    client = Client(raise_request_exception=False)
    assert client.get(f"/en/orders/{token}/hd/{signature}/").status_code == 404  # not paid
    assert client.get(f"/en/orders/{token}x/").status_code == 404  # a mistyped token is still most of one
    mocker.patch("orders.views.order_progress", side_effect=RuntimeError(f"no progress for {token}"))
    assert (
        client.get(f"/en/orders/{token}/", HTTP_REFERER=f"https://shop.example/en/orders/{token}/").status_code == 500
    )
    text = log_file.read_text()
    lines = [json.loads(line) for line in text.splitlines()]
    assert [line["logger"] for line in lines if line["level"] in ("WARNING", "ERROR")] == ["django.request"] * 3
    assert_redacted(text, token, token[:20], signature, signature.split(":")[1])
    assert "Internal Server Error: /en/orders/[redacted]/" in text
    assert "RuntimeError: no progress for [redacted]" in text


def test_the_error_email_to_staff_is_redacted(
    log_file: Path, order: Order, secrets_of: tuple[str, str], mocker: MockerFixture, settings: Settings
) -> None:
    token, _ = secrets_of
    settings.ADMINS = [("staff", "staff@example.com")]
    mocker.patch("orders.views.order_progress", side_effect=RuntimeError("boom"))
    Client(raise_request_exception=False).get(f"/en/orders/{token}/?payment_intent_client_secret={CLIENT_SECRET}")
    [email] = mail.outbox
    html = email.alternatives[0][0] if email.alternatives else ""
    assert isinstance(html, str)
    assert_redacted(f"{email.subject}{email.body}{html}", token, CLIENT_SECRET)


def test_runserver_request_lines_are_redacted(log_file: Path, secrets_of: tuple[str, str]) -> None:
    from django.core.servers.basehttp import WSGIRequestHandler

    token, signature = secrets_of
    handler = SimpleNamespace(request=None, log_date_time_string=lambda: "26/Nov/2026 10:00:00")
    WSGIRequestHandler.log_message(
        handler, '"%s" %s %s', f"GET /es/orders/{token}/hd/{signature}/ HTTP/1.1", "404", "9"
    )
    text = log_file.read_text()
    assert "django.server" in text
    assert_redacted(text, token, signature)


def test_gunicorn_access_log_lines_are_redacted(tmp_path: Path, secrets_of: tuple[str, str]) -> None:
    from gunicorn.config import Config

    token, signature = secrets_of
    config = Config()
    for name, value in runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py")).items():
        if name in config.settings:
            config.set(name, value)
    access = tmp_path / "access.log"
    config.set("accesslog", str(access))
    config.set("errorlog", str(tmp_path / "error.log"))
    logger = config.logger_class(config)
    path = f"/en/orders/{token}/hd/{signature}/"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path + f"?payment_intent_client_secret={CLIENT_SECRET}",
        "PATH_INFO": path,
        "QUERY_STRING": f"payment_intent_client_secret={CLIENT_SECRET}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.7",
        "HTTP_REFERER": f"https://shop.example/en/orders/{token}/",
        "HTTP_USER_AGENT": "Mozilla/5.0",
    }
    response = SimpleNamespace(status="302 Found", sent=0, headers=[("Location", f"/en/orders/{token}/")])
    logger.access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=12))
    logger.error("Error handling request %s", path)
    text = access.read_text()
    assert text.count("\n") == 1
    assert '"GET /en/orders/[redacted]/hd/[redacted]/?payment_intent_client_secret=' in text
    assert_redacted(text, token, signature, CLIENT_SECRET)
    assert_redacted((tmp_path / "error.log").read_text(), token, signature)


def test_sentry_events_are_redacted(
    order: Order, secrets_of: tuple[str, str], mocker: MockerFixture, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import sentry_sdk
    from sentry_sdk.transport import Transport

    token, signature = secrets_of
    sent: list[dict] = []

    class Capture(Transport):
        def capture_envelope(self, envelope: Any) -> None:
            sent.extend(item.payload.json for item in envelope.items if item.payload.json)

    # The options the settings give sentry_sdk.init in production, used with a transport that keeps events.
    init = mocker.patch("sentry_sdk.init")
    monkeypatch.setenv("PICMATIX_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("SENTRY_DSN", "https://key@sentry.example.com/1")
    runpy.run_path(str(ROOT / "picmatix" / "settings.py"))
    options = init.call_args.kwargs
    mocker.stopall()
    sentry_sdk.init(**options, transport=Capture)
    try:
        mocker.patch("orders.views.order_progress", side_effect=RuntimeError(f"no progress for {token}"))
        response = Client(raise_request_exception=False).get(
            f"/en/orders/{token}/?payment_intent_client_secret={CLIENT_SECRET}",
            HTTP_REFERER=f"https://shop.example/en/orders/{token}/hd/{signature}/",
        )
        assert response.status_code == 500
        sentry_sdk.flush()
    finally:
        monkeypatch.delenv("SENTRY_DSN")  # else the next init would read it
        sentry_sdk.init(dsn=None)
    assert any(event.get("exception") for event in sent)
    assert_redacted(json.dumps(sent), token, signature, CLIENT_SECRET)
    # The order is a local variable of the failing view: the customer's address must not travel with it.
    assert order.email not in json.dumps(sent)


def test_the_stripe_webhook_endpoints_uuid_is_redacted() -> None:
    from picmatix.logs import redact

    line = '"POST /stripe/webhook/1ba8fd6f-da0a-4504-9695-a4f87357e521/ HTTP/1.1" 400'
    assert redact(line) == '"POST /stripe/webhook/[redacted]/ HTTP/1.1" 400'
