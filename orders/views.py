from __future__ import annotations

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from core.captcha import captcha_passed
from core.clientip import client_ip
from core.files import private_file_response
from orders.direct_upload import direct_upload_policy
from orders.models import Order, RenderJob
from orders.selectors import order_by_token_or_404, order_progress, order_sale_refusal, queue_metrics


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


# Pages that carry an order's token (in their URL, links and forms) stay out of every cache: a shared
# computer's browser or a proxy must not hand them to the next person.
@never_cache
def detail(request: HttpRequest, token: str) -> HttpResponse:
    order = order_by_token_or_404(token)
    context = {
        "order": order,
        "progress": order_progress(order),
        "retention_paid_days": settings.RETENTION_PAID_DAYS,
        "retention_unpaid_days": settings.RETENTION_UNPAID_DAYS,
        "sale_refusal": order_sale_refusal(order) if order.status == Order.Status.PREVIEW_READY else "",
    }
    return render(request, "orders/detail.html", context)


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


@staff_member_required
@never_cache
def queue_metrics_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse(queue_metrics())
