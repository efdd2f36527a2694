from __future__ import annotations

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_ratelimit.core import is_ratelimited

from orders.forms import OrderForm
from orders.models import Order, RenderJob
from orders.selectors import order_progress
from orders.services import order_create
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
    form = OrderForm(request.POST or None, request.FILES or None)
    limited = False
    if request.method == "POST":
        limited = is_ratelimited(
            request, group="upload", key="ip", rate=settings.UPLOAD_RATE, method="POST", increment=True
        )
        if limited:
            form.add_error(None, _("Too many photos from your network in a short time. Please try again later."))
        elif form.is_valid():
            order = order_create(
                email=form.cleaned_data["email"],
                style=form.cleaned_data["style"],
                photo=form.cleaned_data["photo"],
                language=translation.get_language() or settings.LANGUAGE_CODE,
                gallery_consent=form.cleaned_data["gallery_consent"],
            )
            return HttpResponseSeeOther(reverse("orders:detail", kwargs={"token": order.token}))
    styles = Style.objects.active()
    return render(request, "orders/upload.html", {"form": form, "styles": styles}, status=429 if limited else 200)


def _order(token: str) -> Order:
    return get_object_or_404(Order.objects.select_related("style"), token=token)


def detail(request: HttpRequest, token: str) -> HttpResponse:
    order = _order(token)
    return render(request, "orders/detail.html", {"order": order, "progress": order_progress(order)})


@never_cache
def progress(request: HttpRequest, token: str) -> JsonResponse:
    return JsonResponse(order_progress(_order(token)))


def _stream(name: str, content_type: str) -> FileResponse:
    if not name or not default_storage.exists(name):
        raise Http404
    response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=0, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@never_cache
def progress_image(request: HttpRequest, token: str) -> FileResponse:
    job = _order(token).current_job
    if job is None or job.status != RenderJob.Status.RUNNING:
        raise Http404
    return _stream(job.progress_image.name, "image/jpeg")


def preview_image(request: HttpRequest, token: str) -> FileResponse:
    job = _order(token).current_job
    if job is None or job.status != RenderJob.Status.DONE:
        raise Http404
    return _stream(job.preview.name, "image/jpeg")
