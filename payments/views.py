from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import stripe
from django.conf import settings
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited
from djstripe.models import WebhookEndpoint
from djstripe.views import ProcessWebhookView

from core.files import private_file_response
from core.http import HttpResponseSeeOther, csp_allow
from orders.jobs import FILES_GONE_ON_PURPOSE, render_job_rerender_lost_output
from orders.models import Order, RenderJob
from orders.print_size import order_hd_size_text
from orders.selectors import order_by_token_or_404, order_painted_job, order_progress, order_sale_refusal
from payments.forms import DemoCardForm, PurchaseForm
from payments.links import LinkExpired, LinkInvalid, hd_link_check
from payments.models import Payment, Price
from payments.money import minor_digits, money_format, to_minor
from payments.providers import PAYMENTS_OFF, PaymentProvider, PaymentUnavailable, payment_provider
from payments.providers.demo import demo_test_cards, payment_demo_charge
from payments.selectors import payment_latest, price_for_order
from payments.services import order_hd_link_request

logger = logging.getLogger(__name__)

# A re-render takes minutes on a GPU, longer on a CPU; the email says when it is back.
REMAKING_RETRY_AFTER_SECONDS = 900


def _language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


# What Stripe's Payment Element loads and talks to (Stripe's documented Content-Security-Policy), on
# this page only.
STRIPE_CSP = {
    "script-src": ["https://js.stripe.com", "https://*.js.stripe.com"],
    "frame-src": ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"],
    "connect-src": ["https://api.stripe.com"],
}


@never_cache
@csp_allow(STRIPE_CSP)
@require_http_methods(["GET", "POST"])
def buy(request: HttpRequest, token: str) -> HttpResponse:
    """The purchase page (GET) and what its form posts (POST): with Stripe, the script asks for the
    PaymentIntent of the chosen amount; with the demonstration provider, the plain form pays."""
    order = order_by_token_or_404(token)
    if order.status in (Order.Status.PAID, Order.Status.REFUNDED):
        return HttpResponseRedirect(reverse("payments:thanks", kwargs={"token": token}))
    refusal = order_sale_refusal(order)
    if refusal:
        # Nothing is charged for a painting that is gone or being painted again: the order's page
        # says why (in the customer's language).
        if request.method == "POST":
            return JsonResponse({"error": refusal}, status=409)
        return HttpResponseRedirect(reverse("orders:detail", kwargs={"token": token}))
    price = price_for_order(order)
    provider = payment_provider() if price is not None else None
    if provider is None or price is None:
        if request.method == "POST":
            return JsonResponse({"error": _("Payments are off.")}, status=409)
        return render(request, "payments/buy.html", _buy_context(order, price, checkout=PAYMENTS_OFF))
    checkout = CHECKOUTS[provider.name]
    if request.method == "POST":
        return checkout.post(request, order, price, provider)
    context = _buy_context(order, price, checkout=provider.name) | checkout.page(order, price)
    return render(request, "payments/buy.html", context)


def _buy_context(order: Order, price: Price | None, *, checkout: str) -> dict[str, Any]:
    # `checkout` names the form the page shows: the provider's, or "off".
    return {
        "order": order,
        "progress": order_progress(order),
        "checkout": checkout,
        "price": price,
        "hd_size": order_hd_size_text(order, language=_language()),
    }


def _stripe_page(order: Order, price: Price) -> dict[str, Any]:
    language = _language()
    return {
        "form": PurchaseForm(price=price, language=language),
        "suggested": money_format(price.suggested, price.currency, language=language),
        "minimum": money_format(price.minimum, price.currency, language=language),
        "minor_digits": minor_digits(price.currency),
        "suggested_minor": to_minor(price.suggested, price.currency),
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        "latest": payment_latest(order),
    }


def _stripe_post(request: HttpRequest, order: Order, price: Price, provider: PaymentProvider) -> HttpResponse:
    """The PaymentIntent for the chosen amount, for Stripe's Payment Element on the page (JSON)."""
    if is_ratelimited(request, group="buy", key="ip", rate=settings.PAYMENTS_BUY_RATE, method="POST", increment=True):
        return JsonResponse({"error": _("Too many attempts in a short time. Please try again later.")}, status=429)
    language = _language()
    form = PurchaseForm(request.POST, price=price, language=language)
    if not form.is_valid():
        return JsonResponse(
            {"error": " ".join(str(error) for error in form.errors.get("amount", [])) or _("Please check the amount.")},
            status=400,
        )
    amount = form.cleaned_data["amount"]
    try:
        started = provider.start(order=order, amount=amount, currency=price.currency)
    except PaymentUnavailable:
        return JsonResponse(
            {"error": _("We could not reach our payment provider. Please try again in a moment.")}, status=503
        )
    return JsonResponse(
        {
            "client_secret": started.client_secret,
            "amount": money_format(amount, price.currency, language=language),
            "return_url": request.build_absolute_uri(reverse("payments:thanks", kwargs={"token": order.token})),
        }
    )


def _demo_page(
    order: Order, price: Price, *, form: PurchaseForm | None = None, card_form: DemoCardForm | None = None
) -> dict[str, Any]:
    language = _language()
    return {
        "form": form or PurchaseForm(price=price, language=language),
        "card_form": card_form or DemoCardForm(),
        "suggested": money_format(price.suggested, price.currency, language=language),
        "minimum": money_format(price.minimum, price.currency, language=language),
        "test_cards": demo_test_cards(),
    }


# No rate limit here, unlike _stripe_post: that one keeps card testers away from Stripe, and a
# demonstration payment reaches no one. Card numbers and CVCs stay out of error reports.
@sensitive_post_parameters("card_number", "expiry", "cvc")
def _demo_post(request: HttpRequest, order: Order, price: Price, provider: PaymentProvider) -> HttpResponse:
    language = _language()
    form = PurchaseForm(request.POST, price=price, language=language)
    card_form = DemoCardForm(request.POST)
    if form.is_valid() and card_form.is_valid():
        charge = payment_demo_charge(
            order=order,
            amount=form.cleaned_data["amount"],
            currency=price.currency,
            card_number=card_form.cleaned_data["card_number"],
        )
        if charge.decline is None:
            return HttpResponseSeeOther(reverse("payments:thanks", kwargs={"token": order.token}))
        card_form.add_error("card_number", str(charge.decline.message))
    context = _buy_context(order, price, checkout=provider.name) | _demo_page(
        order, price, form=form, card_form=card_form
    )
    return render(request, "payments/buy.html", context)


@dataclass(frozen=True)
class Checkout:
    """The buy page's part for one provider: what the page shows, and what its form posts to."""

    page: Callable[[Order, Price], dict[str, Any]]
    post: Callable[[HttpRequest, Order, Price, PaymentProvider], HttpResponse]


CHECKOUTS: dict[str, Checkout] = {
    Payment.Provider.STRIPE: Checkout(page=_stripe_page, post=_stripe_post),
    Payment.Provider.DEMO: Checkout(page=_demo_page, post=_demo_post),
}


@never_cache
@require_GET
def thanks(request: HttpRequest, token: str) -> HttpResponse:
    """Where Stripe sends the customer back. Shows what we know; the webhook does the work."""
    order = order_by_token_or_404(token)
    latest = payment_latest(order)
    context = {
        "order": order,
        "latest": latest,
        "redirect_status": request.GET.get("redirect_status", ""),
        "amount": money_format(latest.amount, latest.currency, language=_language()) if latest else "",
    }
    return render(request, "payments/thanks.html", context)


@require_POST
def new_link(request: HttpRequest, token: str) -> HttpResponse:
    """Email a fresh download link to the order's address; the order page then says what happened."""
    order = order_by_token_or_404(token)
    if is_ratelimited(
        request, group="hd_link", key=lambda _group, _request: token, rate=settings.HD_LINK_REQUEST_RATE, increment=True
    ):
        outcome = "limited"
    else:
        outcome = order_hd_link_request(order=order)
    return HttpResponseSeeOther(reverse("orders:detail", kwargs={"token": token}) + f"?link={outcome}")


@never_cache
@require_GET
def download(request: HttpRequest, token: str, signature: str) -> HttpResponseBase:
    """The HD file, for a signed and unexpired link to a paid order.

    Opening it changes nothing (mail scanners follow links), except that an HD file lost from
    storage starts being painted again at once, which is guarded and harmless to repeat.
    """
    try:
        hd_link_check(token=token, signature=signature)
    except LinkInvalid:
        raise Http404 from None
    except LinkExpired:
        order = order_by_token_or_404(token)
        return render(request, "payments/link-expired.html", {"order": order}, status=410)
    order = order_by_token_or_404(token)
    if order.status != Order.Status.PAID:
        raise Http404
    job = order_painted_job(order)
    if job is not None and default_storage.exists(job.hd.name):
        return private_file_response(
            job.hd.name, "image/png", download_name=f"picmatix-{order.pk}.png", expire=settings.HD_PRESIGNED_SECONDS
        )
    if order.data_deleted_at or order.events.filter(kind__in=FILES_GONE_ON_PURPOSE).exists():
        raise Http404  # deleted on purpose: retention, or at the customer's request
    # Lost on our side: the customer keeps the order, the painting is made again and emailed.
    current = order.current_job
    if current is not None and current.status == RenderJob.Status.DONE:
        render_job_rerender_lost_output(job_id=current.pk, actor="download")
    response = render(request, "payments/remaking.html", {"order": order}, status=503)
    response["Retry-After"] = str(REMAKING_RETRY_AFTER_SECONDS)
    return response


@csrf_exempt
@require_http_methods(["POST"])
def stripe_webhook(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Stripe's webhook: the signature checked before dj-stripe stores anything.

    dj-stripe writes a row with the whole body for every POST that carries a signature header, valid or
    not; a stranger who learnt the URL could fill the database. Only a body signed with the endpoint's
    secret goes on to dj-stripe's view, which checks it again, stores the event and de-duplicates it.
    """
    endpoint = WebhookEndpoint.objects.filter(djstripe_uuid=uuid).first()
    header = request.headers.get("stripe-signature", "")
    if endpoint is None or not endpoint.secret or not header:
        return HttpResponseBadRequest()
    try:
        stripe.WebhookSignature.verify_header(
            request.body.decode("utf-8", "replace"), header, endpoint.secret, endpoint.djstripe_tolerance
        )
    except stripe.SignatureVerificationError:
        logger.warning("stripe webhook: a body whose signature does not verify was refused unstored")
        return HttpResponseBadRequest()
    return _DJSTRIPE_WEBHOOK(request, uuid=uuid)


_DJSTRIPE_WEBHOOK = ProcessWebhookView.as_view()
