"""What dj-stripe keeps of a payment: nothing unverified, and nothing once the customer's data goes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
import stripe
from djstripe import models as djstripe

from orders.deletion import order_customer_data_delete
from payments.models import Payment
from payments.providers.stripe import stripe_webhook_endpoint_sync
from payments.tests.conftest import WEBHOOK_SECRET, FakeStripe
from payments.tests.test_webhooks import send  # noqa: F401 (the fixture)

if TYPE_CHECKING:
    from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_body_whose_signature_does_not_verify_is_not_stored(
    client: Client, fake_stripe: FakeStripe, pending_payment: Payment
) -> None:
    url = urlsplit(stripe_webhook_endpoint_sync()).path
    event = fake_stripe.event("payment_intent.succeeded", fake_stripe.succeed(pending_payment.stripe_id))
    forged = stripe.WebhookSignature.generate_signature_header(json.dumps(event), "whsec_not_the_shops")
    response = client.post(url, "x" * 100_000, content_type="application/json", HTTP_STRIPE_SIGNATURE=forged)
    assert response.status_code == 400
    assert not djstripe.WebhookEventTrigger.objects.exists()
    signed = stripe.WebhookSignature.generate_signature_header(json.dumps(event), WEBHOOK_SECRET)
    accepted = client.post(url, json.dumps(event), content_type="application/json", HTTP_STRIPE_SIGNATURE=signed)
    assert accepted.status_code == 200
    assert djstripe.WebhookEventTrigger.objects.count() == 1


def test_deleting_the_customers_data_deletes_dj_stripes_copies_and_keeps_our_payment(
    send: Callable[..., object],  # noqa: F811
    pending_payment: Payment,
    fake_stripe: FakeStripe,
) -> None:
    send(fake_stripe.event("payment_intent.succeeded", fake_stripe.succeed(pending_payment.stripe_id)))
    send(fake_stripe.event("charge.refunded", fake_stripe.refund(pending_payment.stripe_id)))
    kept = [djstripe.Event, djstripe.WebhookEventTrigger, djstripe.PaymentIntent, djstripe.Charge]
    assert all(model.objects.exists() for model in kept)
    order_customer_data_delete(order_id=pending_payment.order_id, actor="staff:test")
    assert [model.objects.count() for model in kept] == [0, 0, 0, 0]
    assert Payment.objects.filter(pk=pending_payment.pk).exists()
