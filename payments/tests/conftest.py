"""Stripe, replaced at the HTTP boundary: every request stripe-python makes (ours and dj-stripe's)
reaches `FakeStripe` instead of the network, which records it and answers like Stripe's API."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import stripe
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from pytest_django.fixtures import Settings

from orders.models import Order, RenderJob
from payments.models import Payment, Price
from styles.models import Style

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

SECRET_KEY = "sk_test_picmatixFAKE0123456789abcdef"
PUBLISHABLE_KEY = "pk_test_picmatixFAKE0123456789abcdef"
WEBHOOK_SECRET = "whsec_picmatixFAKE"
HD_BYTES = b"\x89PNG\r\n\x1a\n" + b"HD-PIXELS" * 32


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    params: dict[str, str]


class FakeStripe(stripe.HTTPClient):
    name = "fake-stripe"

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Call] = []
        self.fail_refunds = False  # Stripe refuses every refund (a disputed charge, say)
        self.intents: dict[str, dict[str, Any]] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.idempotent: dict[str, str] = {}
        self.unexpected: list[str] = []
        self.down = False
        self._ids = itertools.count(1)

    # --- stripe.HTTPClient ---------------------------------------------------------------------
    def request(self, method: str, url: str, headers: Any, post_data: Any = None, *, _usage: Any = None) -> Any:
        parts = urlsplit(url)
        query = post_data if method.lower() == "post" else parts.query
        params: dict[str, str] = {}
        for key, value in parse_qsl(query or "", keep_blank_values=True):
            params[key] = f"{params[key]},{value}" if key in params else value
        call = Call(method.upper(), parts.path, dict(headers or {}), params)
        self.calls.append(call)
        if self.down:
            return self._answer({"error": {"type": "api_error", "message": "fake outage"}}, 500)
        return self._route(call)

    def close(self) -> None:
        pass

    # --- Stripe's API, the parts this shop uses --------------------------------------------------
    def _answer(self, body: dict[str, Any], status: int = 200) -> tuple[str, int, dict[str, str]]:
        # "Stripe-Should-Retry: false" keeps stripe-python from sleeping through its retries.
        return json.dumps(body), status, {"request-id": "req_fake", "stripe-should-retry": "false"}

    def _missing(self, call: Call) -> tuple[str, int, dict[str, str]]:
        self.unexpected.append(f"{call.method} {call.path}")
        error = {"type": "invalid_request_error", "code": "resource_missing", "message": f"No such {call.path}"}
        return self._answer({"error": error}, 404)

    def _route(self, call: Call) -> tuple[str, int, dict[str, str]]:
        segments = call.path.strip("/").split("/")
        if call.method == "POST" and call.path == "/v1/payment_intents":
            return self._answer(self._create_intent(call))
        if call.method == "GET" and call.path == "/v1/account":
            return self._answer(ACCOUNT)
        if call.method == "GET" and len(segments) == 3 and segments[1] == "payment_intents":
            intent = self.intents.get(segments[2])
            if intent is None:
                return self._missing(call)
            body = dict(intent)
            if "latest_charge" in call.params.get("expand[0]", "") and intent["latest_charge"]:
                body["latest_charge"] = self.charges[intent["latest_charge"]]
            return self._answer(body)
        if call.method == "GET" and len(segments) == 3 and segments[1] == "charges" and segments[2] in self.charges:
            return self._answer(self.charges[segments[2]])
        if call.method == "POST" and call.path == "/v1/refunds":
            return self._create_refund(call)
        return self._missing(call)

    def _create_refund(self, call: Call) -> tuple[str, int, dict[str, str]]:
        if self.fail_refunds:
            error = {"type": "invalid_request_error", "code": "charge_disputed", "message": "Charge is disputed"}
            return self._answer({"error": error}, 400)
        key = call.headers.get("Idempotency-Key", "")
        if key and key in self.idempotent:
            return self._answer(self.refunds[self.idempotent[key]])
        intent = self.intents.get(call.params.get("payment_intent", ""))
        if intent is None or not intent["latest_charge"]:
            return self._missing(call)
        charge = self.charges[intent["latest_charge"]]
        amount = int(call.params.get("amount") or charge["amount"] - charge["amount_refunded"])
        if amount > charge["amount"] - charge["amount_refunded"]:
            error = {"type": "invalid_request_error", "code": "amount_too_large", "message": "Refund too large"}
            return self._answer({"error": error}, 400)
        self.refund(intent["id"], amount=charge["amount_refunded"] + amount)
        refund_id = f"re_fake{next(self._ids)}"
        self.refunds[refund_id] = {
            "id": refund_id,
            "object": "refund",
            "amount": amount,
            "currency": charge["currency"],
            "charge": charge["id"],
            "payment_intent": intent["id"],
            "status": "succeeded",
            "metadata": {k[len("metadata[") : -1]: v for k, v in call.params.items() if k.startswith("metadata[")},
            "created": int(time.time()),
        }
        if key:
            self.idempotent[key] = refund_id
        return self._answer(self.refunds[refund_id])

    def _create_intent(self, call: Call) -> dict[str, Any]:
        key = call.headers.get("Idempotency-Key", "")
        if key and key in self.idempotent:
            return self.intents[self.idempotent[key]]
        intent_id = f"pi_fake{next(self._ids)}"
        metadata = {k[len("metadata[") : -1]: v for k, v in call.params.items() if k.startswith("metadata[")}
        self.intents[intent_id] = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": int(call.params["amount"]),
            "amount_received": 0,
            "currency": call.params["currency"],
            "metadata": metadata,
            "description": call.params.get("description"),
            "status": "requires_payment_method",
            "client_secret": f"{intent_id}_secret_fake",
            "livemode": False,
            "created": int(time.time()),
            "customer": None,
            "payment_method": None,
            "latest_charge": None,
            "last_payment_error": None,
            "capture_method": "automatic",
            "confirmation_method": "automatic",
            "payment_method_types": ["card"],
        }
        if key:
            self.idempotent[key] = intent_id
        return self.intents[intent_id]

    # --- what happens at Stripe while the customer pays ------------------------------------------
    def succeed(self, intent_id: str, *, amount: int | None = None, currency: str | None = None) -> dict[str, Any]:
        intent = self.intents[intent_id]
        if amount is not None:
            intent["amount"] = amount
        if currency is not None:
            intent["currency"] = currency
        charge_id = f"ch_fake{next(self._ids)}"
        self.charges[charge_id] = {
            "id": charge_id,
            "object": "charge",
            "amount": intent["amount"],
            "amount_refunded": 0,
            "refunded": False,
            "currency": intent["currency"],
            "payment_intent": intent_id,
            "paid": True,
            "status": "succeeded",
            "livemode": False,
            "created": int(time.time()),
        }
        intent.update(status="succeeded", latest_charge=charge_id, amount_received=intent["amount"])
        intent["last_payment_error"] = None
        return intent

    def fail(self, intent_id: str) -> dict[str, Any]:
        intent = self.intents[intent_id]
        error = {"type": "card_error", "code": "card_declined", "message": "Your card was declined."}
        intent.update(status="requires_payment_method", last_payment_error=error)
        return intent

    def refund(self, intent_id: str, *, amount: int | None = None) -> dict[str, Any]:
        charge = self.charges[self.intents[intent_id]["latest_charge"]]
        charge["amount_refunded"] = charge["amount"] if amount is None else amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        return charge

    def event(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": f"evt_fake{next(self._ids)}",
            "object": "event",
            "type": kind,
            "api_version": stripe.api_version,
            "created": int(time.time()),
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "data": {"object": json.loads(json.dumps(obj))},  # a snapshot, as Stripe sends it
        }

    def intent_calls(self) -> list[Call]:
        return [call for call in self.calls if call.path.startswith("/v1/payment_intents")]


ACCOUNT: dict[str, Any] = {
    "id": "acct_fake",
    "object": "account",
    "type": "standard",
    "country": "US",
    "default_currency": "usd",
    "email": "shop@example.com",
    "charges_enabled": True,
    "payouts_enabled": True,
    "details_submitted": True,
    "settings": {"dashboard": {"display_name": "picmatix test"}, "branding": {}},
    "business_profile": {"name": "picmatix"},
    "metadata": {},
    "created": 1700000000,
}


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> None:
    """Rate-limit counters live in the cache; each test starts with none."""
    cache.clear()


@pytest.fixture
def fake_stripe(settings: Settings) -> Iterator[FakeStripe]:
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = PUBLISHABLE_KEY
    settings.STRIPE_PUBLIC_KEY = PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.PAYMENTS_PROVIDER = "stripe"
    previous = stripe.default_http_client
    fake = FakeStripe()
    stripe.default_http_client = fake
    yield fake
    stripe.default_http_client = previous


@pytest.fixture
def eager_tasks(settings: Settings) -> Iterator[None]:
    """Run Celery tasks in the test's process the moment they are queued."""
    from picmatix.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False
    app.conf.task_eager_propagates = False


@pytest.fixture
def prices(db: None) -> dict[str, Price]:
    return {
        currency: Price.objects.create(currency=currency, suggested=Decimal(suggested), minimum=Decimal(minimum))
        for currency, suggested, minimum in [
            ("EUR", "14.00", "3.00"),
            ("USD", "15.00", "3.00"),
            ("GBP", "12.00", "3.00"),
            ("JPY", "2000", "500"),
            ("MXN", "250.00", "60.00"),
            ("KRW", "20000", "4000"),
        ]
    }


def make_ready_order(style: Style, *, currency: str = "EUR", language: str = "en") -> Order:
    """An order whose painting is done: preview and HD file stored, waiting for payment."""
    order = Order.objects.create(
        email="ana@example.com",
        style=style,
        content_image="uploads/x.jpg",
        language=language,
        currency=currency,
        status=Order.Status.PREVIEW_READY,
    )
    RenderJob.objects.create(
        order=order,
        status=RenderJob.Status.DONE,
        preview=default_storage.save("renders/p.jpg", ContentFile(b"preview")),
        hd=default_storage.save("renders/secret-hd.png", ContentFile(HD_BYTES)),
    )
    return order


@pytest.fixture
def order(style: Style, prices: dict[str, Price]) -> Order:
    return make_ready_order(style)


@pytest.fixture
def paid_order(style: Style, prices: dict[str, Price]) -> Order:
    order = make_ready_order(style)
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PAID)
    order.refresh_from_db()
    return order


def start_payment(
    client: Client, order: Order, amount: str = "14.00", language: str = "en"
) -> _MonkeyPatchedWSGIResponse:
    return client.post(f"/{language}/orders/{order.token}/buy/", {"amount": amount}, HTTP_ACCEPT="application/json")


@pytest.fixture
def pending_payment(client: Client, order: Order, fake_stripe: FakeStripe) -> Payment:
    response = start_payment(client, order)
    assert response.status_code == 200, response.content
    return Payment.objects.get()
