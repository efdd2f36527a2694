from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404

from styles.models import Style


def _style(request: HttpRequest, slug: str) -> Style:
    """Style images are public for active styles; staff also see those not yet published."""
    queryset = Style.objects.all() if request.user.is_staff else Style.objects.active()
    return get_object_or_404(queryset, slug=slug)


def _public_image(request: HttpRequest, slug: str, field: str) -> FileResponse:
    file = getattr(_style(request, slug), field)
    return _image_response(file.name if file else "")


def _image_response(name: str) -> FileResponse:
    if not name or not default_storage.exists(name):
        raise Http404
    response = FileResponse(default_storage.open(name, "rb"), content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=3600"
    return response


def thumbnail(request: HttpRequest, slug: str) -> FileResponse:
    return _public_image(request, slug, "thumbnail")


def example(request: HttpRequest, slug: str) -> FileResponse:
    """The style's example: the same reference photo painted in this style."""
    return _public_image(request, slug, "example")


def example_own_colours(request: HttpRequest, slug: str) -> FileResponse:
    """The example keeping the reference photo's colours, for styles that offer it."""
    return _public_image(request, slug, "example_own_colours")


def strength_example(request: HttpRequest, slug: str, strength: str) -> FileResponse:
    """The reference portrait painted at one of the customer's strengths (styles.calibration). Only
    the names the style lists are served: the path never reaches storage from the URL."""
    return _image_response(str(_style(request, slug).strength_examples.get(strength) or ""))
