from __future__ import annotations

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.core import is_ratelimited

from core.captcha import captcha_passed
from core.clientip import client_ip
from core.files import private_file_response
from gallery.selectors import gallery_recent
from orders.direct_upload import direct_upload_policy
from orders.forms import OrderForm
from orders.models import Order, RenderJob
from orders.selectors import order_progress, queue_metrics
from orders.services import order_create
from payments.money import money_format
from payments.selectors import locality_for_new_order, price_for_visitor
from styles.models import Style


class HttpResponseSeeOther(HttpResponseRedirect):
    """303: after a POST (or for `/`), the browser follows with a GET."""

    status_code = 303


@require_GET
def root(request: HttpRequest) -> HttpResponse:
    """`/` sends the visitor to the language their browser prefers (Accept-Language, q-values)."""
    language = translation.get_language_from_request(request, check_path=False)
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with translation.override(language):
        return HttpResponseSeeOther(reverse("orders:upload"))


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
            order = order_create(
                email=form.cleaned_data["email"],
                style=form.cleaned_data["style"],
                photo=form.cleaned_data["photo"],
                language=translation.get_language() or settings.LANGUAGE_CODE,
                country=locality.country,
                currency=locality.currency,
                gallery_consent=form.cleaned_data["gallery_consent"],
                keep_colours=form.cleaned_data["keep_colours"],
            )
            return HttpResponseSeeOther(reverse("orders:detail", kwargs={"token": order.token}))
    styles = list(Style.objects.active())
    context = {
        "form": form,
        "styles": styles,
        "offers_own_colours": any(style.allow_original_colours for style in styles),
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


@require_POST
def upload_policy(request: HttpRequest) -> JsonResponse:
    """Direct upload: a presigned POST to S3 for one new key (orders/direct_upload.py)."""
    if not settings.DIRECT_UPLOAD:
        raise Http404
    if is_ratelimited(request, group="upload_policy", key="ip", rate=settings.UPLOAD_RATE, increment=True):
        return JsonResponse({"error": "rate_limited"}, status=429)
    # Without this, a bot could fill the bucket and make us fetch and decode what it sent without
    # ever meeting the captcha of the order form. The script sends the widget's answer along.
    human = settings.RECAPTCHA_MODE != "off"
    if human and not captcha_passed(response=request.POST.get("captcha", ""), remote_ip=client_ip(request)):
        return JsonResponse({"error": _("Please confirm that you are not a robot.")}, status=400)
    policy = direct_upload_policy(
        max_bytes=settings.UPLOAD_MAX_BYTES, expire=settings.DIRECT_UPLOAD_EXPIRE, human=human
    )
    response = JsonResponse(policy.as_dict())
    response["Cache-Control"] = "no-store"
    return response


def _order(token: str) -> Order:
    return get_object_or_404(Order.objects.select_related("style"), token=token)


# Pages that carry an order's token (in their URL, links and forms) stay out of every cache: a shared
# computer's browser or a proxy must not hand them to the next person.
@never_cache
def detail(request: HttpRequest, token: str) -> HttpResponse:
    order = _order(token)
    context = {"order": order, "progress": order_progress(order), "retention_paid_days": settings.RETENTION_PAID_DAYS}
    return render(request, "orders/detail.html", context)


@never_cache
def progress(request: HttpRequest, token: str) -> JsonResponse:
    return JsonResponse(order_progress(_order(token)))


@never_cache
def progress_image(request: HttpRequest, token: str) -> HttpResponseBase:
    job = _order(token).current_job
    if job is None or job.status != RenderJob.Status.RUNNING:
        raise Http404
    return private_file_response(job.progress_image.name, "image/jpeg")


def preview_image(request: HttpRequest, token: str) -> HttpResponseBase:
    job = _order(token).current_job
    if job is None or job.status != RenderJob.Status.DONE:
        raise Http404
    return private_file_response(job.preview.name, "image/jpeg")


def photo_image(request: HttpRequest, token: str) -> HttpResponseBase:
    """The customer's photo, for the comparison on their order page: the token is the only key."""
    order = _order(token)
    if order.data_deleted_at or not order.content_image:
        raise Http404
    return private_file_response(order.content_image.name, "image/jpeg")


@staff_member_required
@never_cache
def queue_metrics_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse(queue_metrics())
