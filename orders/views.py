from __future__ import annotations

import contextlib

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.core import is_ratelimited

from core.captcha import captcha_passed
from core.clientip import client_ip
from core.files import private_file_response
from core.http import HttpResponseSeeOther
from orders.advice import BadPhotoCopy, photo_copy_face_width
from orders.deletion import order_customer_data_delete
from orders.direct_upload import direct_upload_policy
from orders.find_orders import order_links_request
from orders.forms import AnotherStyleForm, OrderLinksForm
from orders.mailbox import mailbox_of
from orders.models import Order, OrderShare, RenderJob
from orders.selectors import (
    order_by_token_or_404,
    order_progress,
    order_sale_refusal,
    photo_orders,
    preview_size,
    queue_metrics,
)
from orders.services import OrdersPerDayReached, order_another_style_create, order_another_style_offered
from orders.sharing import (
    ShareNotPaid,
    order_share_by_key,
    order_share_can_be_clean,
    order_share_publish,
    order_share_withdraw,
    order_shared_preview,
    share_image_name,
    share_shows_clean,
)
from orders.staff import OrderActionRefused
from styles.models import Style


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


@require_POST
@never_cache
def photo_check(request: HttpRequest) -> JsonResponse:
    """The upload page's face check (orders/advice.py): a small grey copy of the chosen photo in, the
    largest face's width out. The copy is decoded in memory and kept nowhere."""
    if is_ratelimited(request, group="photo_check", key="ip", rate=settings.PHOTO_CHECK_RATE, increment=True):
        return JsonResponse({"error": "rate_limited"}, status=429)
    try:
        width = photo_copy_face_width(request.FILES.get("photo"))
    except BadPhotoCopy:
        return JsonResponse({"error": "bad_copy"}, status=400)
    return JsonResponse({"face": width})


# Pages that carry an order's token (in their URL, links and forms) stay out of every cache: a shared
# computer's browser or a proxy must not hand them to the next person.
@never_cache
def detail(request: HttpRequest, token: str) -> HttpResponse:
    return render(request, "orders/detail.html", _detail_context(order_by_token_or_404(token)))


def _detail_context(order: Order, another_style: AnotherStyleForm | None = None) -> dict[str, object]:
    return {
        "order": order,
        "progress": order_progress(order),
        **_retention(order),
        **_share(order),
        **_another_style(order, another_style),
        "sale_refusal": order_sale_refusal(order) if order.status == Order.Status.PREVIEW_READY else "",
    }


def _another_style(order: Order, form: AnotherStyleForm | None) -> dict[str, object]:
    """The order page's "another style" form (while the order holds its photo) and the photo's other orders."""
    offered = order_another_style_offered(order)
    styles = list(Style.objects.active()) if offered else []
    return {
        # A refused form is shown with its errors even once the photo is gone (a stale page).
        "another_style_form": form if form is not None else (AnotherStyleForm() if offered else None),
        "another_styles": styles,
        "another_style_strength": any(style.offers_strength for style in styles),
        "photo_orders": [other for other in photo_orders(order) if other.pk != order.pk],
    }


@require_POST
@never_cache
def another_style(request: HttpRequest, token: str) -> HttpResponse:
    """A new order of this order's photo in another style; the page again with what went wrong."""
    order = order_by_token_or_404(token)
    form = AnotherStyleForm(request.POST)
    status = 400
    # A new order, like an upload: both share one limit per client (an upload's is the same render).
    if is_ratelimited(request, group="upload", key="ip", rate=settings.UPLOAD_RATE, method="POST", increment=True):
        form.add_error(None, _("Too many photos from your network in a short time. Please try again later."))
        status = 429
    elif form.is_valid():
        try:
            new = order_another_style_create(
                source_id=order.pk,
                style=form.cleaned_data["style"],
                strength=form.cleaned_data["strength"],
                language=translation.get_language() or settings.LANGUAGE_CODE,
                per_day=settings.ORDERS_PER_EMAIL_PER_DAY,
            )
        except OrdersPerDayReached as reached:
            form.refuse_for_the_day(reached.retry_at)
        except ValidationError as refusal:
            form.add_error(None, refusal)
        else:
            return HttpResponseSeeOther(reverse("orders:detail", kwargs={"token": new.token}))
    return render(request, "orders/detail.html", _detail_context(order, form), status=status)


@never_cache
def progress(request: HttpRequest, token: str) -> JsonResponse:
    return JsonResponse(order_progress(order_by_token_or_404(token)))


@never_cache
def progress_image(request: HttpRequest, token: str) -> HttpResponseBase:
    job = order_by_token_or_404(token).current_job
    if job is None or job.status != RenderJob.Status.RUNNING:
        raise Http404
    return private_file_response(job.progress_image.name, "image/jpeg")


def preview_image(request: HttpRequest, token: str) -> HttpResponseBase:
    job = order_by_token_or_404(token).current_job
    if job is None or job.status != RenderJob.Status.DONE:
        raise Http404
    return private_file_response(job.preview.name, "image/jpeg")


def photo_image(request: HttpRequest, token: str) -> HttpResponseBase:
    """The customer's photo, for the comparison on their order page: the token is the only key."""
    order = order_by_token_or_404(token)
    if order.data_deleted_at or not order.content_image:
        raise Http404
    return private_file_response(order.content_image.name, "image/jpeg")


def _retention(order: Order) -> dict[str, object]:
    """What the order's page and its deletion page say about how long the shop keeps what."""
    return {
        "retention_paid_days": settings.RETENTION_PAID_DAYS,
        "retention_unpaid_days": settings.RETENTION_UNPAID_DAYS,
        "paid": order.paid_at is not None,
    }


@never_cache
def data_delete(request: HttpRequest, token: str) -> HttpResponse:
    """The customer deletes their photo, paintings and email address: a GET asks (a link in an email
    or a mail scanner must never delete anything), a POST with the confirmation does it."""
    order = order_by_token_or_404(token)
    detail_url = reverse("orders:detail", kwargs={"token": token})
    if order.data_deleted_at:
        return HttpResponseSeeOther(detail_url)
    # Deleting covers every order of the photo (orders/deletion.py): the page names the others.
    others = [other for other in photo_orders(order) if other.pk != order.pk and other.data_deleted_at is None]
    context: dict[str, object] = {"order": order, **_retention(order), "photo_orders": others}
    if request.method != "POST":
        return render(request, "orders/delete.html", context)
    if is_ratelimited(
        request, group="data_delete", key="ip", rate=settings.DATA_DELETE_RATE, method="POST", increment=True
    ):
        context["error"] = _("Too many requests from your network in a short time. Please try again later.")
        return render(request, "orders/delete.html", context, status=429)
    if request.POST.get("confirm") != "yes":
        return render(request, "orders/delete.html", context, status=400)
    # Refused only when a second click or staff deleted it in the meantime: the order page says so.
    with contextlib.suppress(OrderActionRefused):
        order_customer_data_delete(order_id=order.pk, actor="customer")
    return HttpResponseSeeOther(detail_url)


def _mailbox_key(_group: str, request: HttpRequest) -> str:
    # One mailbox however it is spelt (orders/mailbox.py): "ana+1@", "ANA@" ... count together.
    return mailbox_of(request.POST.get("email", ""))


def order_links_find(request: HttpRequest) -> HttpResponse:
    """Find my orders: the links to an address's orders, emailed to it. The answer never tells
    whether the address has orders; over the per-address limit it is the same, and nothing is sent."""
    form = OrderLinksForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if is_ratelimited(
            request, group="order_links", key="ip", rate=settings.FIND_ORDERS_RATE, method="POST", increment=True
        ):
            form.add_error(None, _("Too many requests from your network in a short time. Please try again later."))
            return render(request, "orders/find.html", {"form": form}, status=429)
        if form.is_valid():
            limited = is_ratelimited(
                request,
                group="order_links_address",
                key=_mailbox_key,
                rate=settings.FIND_ORDERS_ADDRESS_RATE,
                method="POST",
                increment=True,
            )
            if not limited:
                language = translation.get_language() or settings.LANGUAGE_CODE
                order_links_request(email=form.cleaned_data["email"], language=language)
            return HttpResponseSeeOther(reverse("orders:find") + "?sent=1")
    return render(request, "orders/find.html", {"form": form, "sent": request.GET.get("sent") == "1"})


def _share_url(share: OrderShare, name: str = "orders:share") -> str:
    return settings.SITE_URL + reverse(name, kwargs={"key": share.key})


def _share(order: Order) -> dict[str, object]:
    """The order page's share controls: the published page's address and what it shows, or whether
    it may be published; whether the painting may be shown without the mark (paid)."""
    share = OrderShare.objects.filter(order=order).first()
    return {
        "share_url": _share_url(share) if share else "",
        "share_clean": bool(share and share.clean),
        "can_share": share is None and order_shared_preview(order) is not None,
        "can_share_clean": order_share_can_be_clean(order),
    }


@require_POST
def share_publish(request: HttpRequest, token: str) -> HttpResponse:
    order = order_by_token_or_404(token)
    detail_url = reverse("orders:detail", kwargs={"token": token})
    if is_ratelimited(request, group="share", key="ip", rate=settings.SHARE_RATE, method="POST", increment=True):
        return HttpResponseSeeOther(detail_url + "?share=limited")
    try:
        order_share_publish(order_id=order.pk, clean=request.POST.get("show") == "clean")
    except ShareNotPaid:
        return HttpResponseSeeOther(detail_url + "?share=unpaid#share")
    return HttpResponseSeeOther(detail_url + "#share")


@require_POST
def share_withdraw(request: HttpRequest, token: str) -> HttpResponse:
    order = order_by_token_or_404(token)
    order_share_withdraw(order_id=order.pk)
    return HttpResponseSeeOther(reverse("orders:detail", kwargs={"token": token}) + "?share=withdrawn#share")


def _shared(key: str) -> tuple[OrderShare, RenderJob]:
    """The share and the painting it shows, looked up on every request: a withdrawn one is a 404 at once."""
    share = order_share_by_key(key)
    job = order_shared_preview(share.order) if share else None
    if share is None or job is None:
        raise Http404
    return share, job


@require_GET
@never_cache
def share_page(request: HttpRequest, key: str) -> HttpResponse:
    share, job = _shared(key)
    if share_shows_clean(share) and share.clean_width and share.clean_height:
        width, height = share.clean_width, share.clean_height
    else:
        width, height = preview_size(share.order, job)
    context = {
        "key": share.key,
        "style_name": share.order.style.name,
        "page_url": _share_url(share),
        "image_url": _share_url(share, "orders:share_image"),
        "image_width": width,
        "image_height": height,
    }
    return render(request, "orders/share.html", context)


@require_GET
@never_cache
def share_image(request: HttpRequest, key: str) -> HttpResponseBase:
    # The watermarked preview, or the web-size copy a paying customer chose: no route of a share page
    # reaches the photo or the HD file.
    share, job = _shared(key)
    return private_file_response(share_image_name(share, job), "image/jpeg")


@staff_member_required
@never_cache
def queue_metrics_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse(queue_metrics())
