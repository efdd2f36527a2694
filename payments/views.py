from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from orders.files import private_file_response
from orders.models import Order, RenderJob
from orders.selectors import order_progress
from payments.forms import PurchaseForm
from payments.links import LinkExpired, LinkInvalid, hd_link_check
from payments.money import minor_digits, money_format, to_minor
from payments.selectors import payment_latest, price_for_order
from payments.services import PaymentUnavailable, order_hd_link_request, payment_start


def _order(token: str) -> Order:
    return get_object_or_404(Order.objects.select_related("style"), token=token)


def _language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


@never_cache
@require_http_methods(["GET", "POST"])
def buy(request: HttpRequest, token: str) -> HttpResponse:
    """The purchase page (GET) and, from its script, the PaymentIntent for the chosen amount (POST)."""
    order = _order(token)
    if order.status in (Order.Status.PAID, Order.Status.REFUNDED):
        return HttpResponseRedirect(reverse("payments:thanks", kwargs={"token": token}))
    if order.status != Order.Status.PREVIEW_READY or order.data_deleted_at:
        return HttpResponseRedirect(reverse("orders:detail", kwargs={"token": token}))
    price = price_for_order(order)
    enabled = settings.PAYMENTS_ENABLED and price is not None
    if request.method == "POST":
        return _buy_post(request, order) if enabled else JsonResponse({"error": _("Payments are off.")}, status=409)
    context = {"order": order, "progress": order_progress(order), "enabled": enabled, "price": price}
    if enabled and price is not None:
        language = _language()
        context.update(
            form=PurchaseForm(price=price, language=language),
            suggested=money_format(price.suggested, price.currency, language=language),
            minimum=money_format(price.minimum, price.currency, language=language),
            minor_digits=minor_digits(price.currency),
            suggested_minor=to_minor(price.suggested, price.currency),
            publishable_key=settings.STRIPE_PUBLISHABLE_KEY,
            latest=payment_latest(order),
        )
    return render(request, "payments/buy.html", context)


def _buy_post(request: HttpRequest, order: Order) -> JsonResponse:
    price = price_for_order(order)
    assert price is not None
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
        started = payment_start(order=order, amount=amount, currency=price.currency)
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


@never_cache
@require_GET
def thanks(request: HttpRequest, token: str) -> HttpResponse:
    """Where Stripe sends the customer back. Shows what we know; the webhook does the work."""
    order = _order(token)
    latest = payment_latest(order)
    context = {
        "order": order,
        "latest": latest,
        "redirect_status": request.GET.get("redirect_status", ""),
        "amount": money_format(latest.amount, latest.currency, language=_language()) if latest else "",
    }
    return render(request, "payments/thanks.html", context)


class HttpResponseSeeOther(HttpResponseRedirect):
    status_code = 303


@require_POST
def new_link(request: HttpRequest, token: str) -> HttpResponse:
    """Email a fresh download link to the order's address; the order page then says what happened."""
    order = _order(token)
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
    """The HD file, for a signed and unexpired link to a paid order. Reads only: changes nothing."""
    try:
        hd_link_check(token=token, signature=signature)
    except LinkInvalid:
        raise Http404 from None
    except LinkExpired:
        order = _order(token)
        return render(request, "payments/link-expired.html", {"order": order}, status=410)
    order = _order(token)
    job = order.current_job
    if order.status != Order.Status.PAID or job is None or job.status != RenderJob.Status.DONE or not job.hd:
        raise Http404
    return private_file_response(
        job.hd.name, "image/png", download_name=f"picmatix-{order.pk}.png", expire=settings.HD_PRESIGNED_SECONDS
    )
