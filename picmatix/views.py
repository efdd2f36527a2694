"""The shop's front page: the upload form with this visitor's price and recent gallery works.

It composes orders (the form, the new order), payments (the visitor's country, currency and price)
and the gallery, so it lives in the project package above all three (docs/architecture.md). The page
keeps its name orders:upload (picmatix/urls.py puts it in that namespace).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_ratelimit.core import is_ratelimited

from core.clientip import client_ip
from core.http import HttpResponseSeeOther, csp_allow
from gallery.selectors import gallery_recent
from orders.advice import photo_advice_limits
from orders.forms import OrderForm
from orders.services import OrdersPerDayReached, order_create
from payments.money import money_format
from payments.selectors import locality_for_new_order, price_for_visitor
from styles.models import Style


@require_GET
def root(request: HttpRequest) -> HttpResponse:
    """`/` sends the visitor to the language their browser prefers (Accept-Language, q-values)."""
    language = translation.get_language_from_request(request, check_path=False)
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with translation.override(language):
        return HttpResponseSeeOther(reverse("orders:upload"))


# What Google's reCAPTCHA widget loads (Google's documented Content-Security-Policy), on this page only.
RECAPTCHA_CSP = {
    "script-src": ["https://www.google.com/recaptcha/", "https://www.gstatic.com/recaptcha/"],
    "frame-src": ["https://www.google.com/recaptcha/", "https://recaptcha.google.com/recaptcha/"],
}


@csp_allow(RECAPTCHA_CSP, when=lambda: settings.RECAPTCHA_MODE != "off")
def upload(request: HttpRequest) -> HttpResponse:
    # Bound on every POST, an empty one included, so that a refusal can be added to its errors.
    form = (
        OrderForm(request.POST, request.FILES, remote_ip=client_ip(request))
        if request.method == "POST"
        else OrderForm()
    )
    limited = False
    if request.method == "POST":
        limited = is_ratelimited(
            request, group="upload", key="ip", rate=settings.UPLOAD_RATE, method="POST", increment=True
        )
        if limited:
            form.add_error(None, _("Too many photos from your network in a short time. Please try again later."))
        elif form.is_valid():
            locality = locality_for_new_order(request)
            try:
                order = order_create(
                    email=form.cleaned_data["email"],
                    style=form.cleaned_data["style"],
                    photo=form.cleaned_data["photo"],
                    language=translation.get_language() or settings.LANGUAGE_CODE,
                    country=locality.country,
                    currency=locality.currency,
                    gallery_consent=form.cleaned_data["gallery_consent"],
                    keep_colours=form.cleaned_data["keep_colours"],
                    strength=form.cleaned_data["strength"],
                    per_day=settings.ORDERS_PER_EMAIL_PER_DAY,
                )
            except OrdersPerDayReached as reached:
                # Another request from the same mailbox was counted first.
                form.refuse_for_the_day(reached.retry_at)
            else:
                return HttpResponseSeeOther(reverse("orders:detail", kwargs={"token": order.token}))
    styles = list(Style.objects.active())
    context = {
        "form": form,
        "styles": styles,
        "offers_own_colours": any(style.allow_original_colours for style in styles),
        "offers_strength": any(style.offers_strength for style in styles),
        "photo_advice": photo_advice_limits(styles),
        **_home(request),
    }
    return render(request, "orders/upload.html", context, status=429 if limited else 200)


# Enough to show that real customers order, few enough to keep the home page light on a phone.
HOME_GALLERY_WORKS = 4


def _home(request: HttpRequest) -> dict[str, object]:
    """The home page's steps (with the price this visitor would be suggested) and recent gallery works."""
    price = price_for_visitor(request)
    language = translation.get_language() or settings.LANGUAGE_CODE
    return {
        "suggested": money_format(price.suggested, price.currency, language=language) if price else "",
        "recent_works": gallery_recent(limit=HOME_GALLERY_WORKS),
        # The page's script refuses a file over the limit before sending it, in the server's words.
        "upload_max_bytes": settings.UPLOAD_MAX_BYTES,
        "upload_max_mb": f"{settings.UPLOAD_MAX_BYTES / 1e6:.0f}",
    }
