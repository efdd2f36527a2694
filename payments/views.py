from __future__ import annotations

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from core.files import private_file_response
from core.http import HttpResponseSeeOther
from orders.jobs import FILES_GONE_ON_PURPOSE, render_job_rerender_lost_output
from orders.models import Order, RenderJob
from orders.print_size import print_size_text, render_job_hd_size
from orders.selectors import order_progress
from payments.demo import demo_test_cards, payment_demo_charge
from payments.forms import DemoCardForm, PurchaseForm
from payments.links import LinkExpired, LinkInvalid, hd_link_check
from payments.models import Price
from payments.money import minor_digits, money_format, to_minor
from payments.selectors import payment_latest, price_for_order
from payments.services import PaymentUnavailable, order_hd_link_request, payment_start

# A re-render takes minutes on a GPU, longer on a CPU; the email says when it is back.
REMAKING_RETRY_AFTER_SECONDS = 900


def _order(token: str) -> Order:
    return get_object_or_404(Order.objects.select_related("style"), token=token)


def _language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


@never_cache
@require_http_methods(["GET", "POST"])
def buy(request: HttpRequest, token: str) -> HttpResponse:
    """The purchase page (GET) and, from its script, the PaymentIntent for the chosen amount (POST);
    with PICMATIX_PAYMENTS=demo the page's plain form posts a demonstration payment instead."""
    order = _order(token)
    if order.status in (Order.Status.PAID, Order.Status.REFUNDED):
        return HttpResponseRedirect(reverse("payments:thanks", kwargs={"token": token}))
    if order.status != Order.Status.PREVIEW_READY or order.data_deleted_at:
        return HttpResponseRedirect(reverse("orders:detail", kwargs={"token": token}))
    price = price_for_order(order)
    enabled = settings.PAYMENTS_ENABLED and price is not None
    demo = settings.PAYMENTS_DEMO and not enabled and price is not None
    if request.method == "POST" and demo and price is not None:
        return _demo_buy_post(request, order, price)
    if request.method == "POST":
        return _buy_post(request, order) if enabled else JsonResponse({"error": _("Payments are off.")}, status=409)
    context = {
        "order": order,
        "progress": order_progress(order),
        "enabled": enabled,
        "demo": demo,
        "price": price,
        "hd_size": _hd_size_text(order),
    }
    if demo and price is not None:
        context.update(_demo_context(price, form=None, card_form=None))
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


def _hd_size_text(order: Order) -> str:
    job = order.current_job
    size = render_job_hd_size(job) if job is not None else None
    return print_size_text(width=size[0], height=size[1], language=_language()) if size else ""


def _demo_context(price: Price, *, form: PurchaseForm | None, card_form: DemoCardForm | None) -> dict:
    language = _language()
    return {
        "form": form or PurchaseForm(price=price, language=language),
        "card_form": card_form or DemoCardForm(),
        "suggested": money_format(price.suggested, price.currency, language=language),
        "minimum": money_format(price.minimum, price.currency, language=language),
        "test_cards": demo_test_cards(),
    }


# No rate limit here, unlike _buy_post: that one keeps card testers away from Stripe, and a
# demonstration payment reaches no one. Card numbers and CVCs stay out of error reports.
@sensitive_post_parameters("card_number", "expiry", "cvc")
def _demo_buy_post(request: HttpRequest, order: Order, price: Price) -> HttpResponse:
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
    context = {
        "order": order,
        "progress": order_progress(order),
        "enabled": False,
        "demo": True,
        "price": price,
        "hd_size": _hd_size_text(order),
        **_demo_context(price, form=form, card_form=card_form),
    }
    return render(request, "payments/buy.html", context)


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
    """The HD file, for a signed and unexpired link to a paid order.

    Opening it changes nothing (mail scanners follow links), except that an HD file lost from
    storage starts being painted again at once, which is guarded and harmless to repeat.
    """
    try:
        hd_link_check(token=token, signature=signature)
    except LinkInvalid:
        raise Http404 from None
    except LinkExpired:
        order = _order(token)
        return render(request, "payments/link-expired.html", {"order": order}, status=410)
    order = _order(token)
    if order.status != Order.Status.PAID:
        raise Http404
    # The newest finished painting: a re-render in progress leaves the last good one downloadable.
    job = order.jobs.filter(status=RenderJob.Status.DONE).exclude(hd="").first()
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
