from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.files import private_file_response
from core.http import HttpResponseSeeOther
from gallery.models import GalleryEntry
from gallery.selectors import gallery_recent
from gallery.services import gallery_consent_withdraw
from orders.models import Order

# How often the page asks for new artworks (it also drops withdrawn ones without a reload).
POLL_SECONDS = 15


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "gallery/index.html", {"entries": gallery_recent(), "poll_seconds": POLL_SECONDS})


@require_GET
@never_cache
def entries(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"entries": gallery_recent()})


@require_GET
def image(request: HttpRequest, entry_id: int, side: str) -> HttpResponseBase:
    # Checked on every request, so a withdrawn artwork is refused even to a browser that has its URL.
    # Only the painting ("after") exists: the customer's photo is never published.
    if side != "after":
        raise Http404
    entry = GalleryEntry.objects.visible().filter(pk=entry_id).first()
    if entry is None:
        raise Http404
    return private_file_response(entry.after.name, "image/jpeg")


@require_POST
def withdraw(request: HttpRequest, token: str) -> HttpResponse:
    order = get_object_or_404(Order, token=token)
    gallery_consent_withdraw(order_id=order.pk)
    return HttpResponseSeeOther(reverse("orders:detail", kwargs={"token": token}) + "?gallery=withdrawn")
