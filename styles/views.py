from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404

from styles.models import Style


def thumbnail(request: HttpRequest, slug: str) -> FileResponse:
    """Style thumbnails are public for active styles; staff also see those not yet published."""
    queryset = Style.objects.all() if request.user.is_staff else Style.objects.active()
    style = get_object_or_404(queryset, slug=slug)
    if not style.thumbnail or not default_storage.exists(style.thumbnail.name):
        raise Http404
    response = FileResponse(default_storage.open(style.thumbnail.name, "rb"), content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=3600"
    return response
