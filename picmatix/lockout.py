"""The page a locked-out admin login gets (django-axes, settings AXES_*), in the visitor's language."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.timesince import timeuntil


def admin_lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    # Every further try during the lockout starts the cool-off again (axes' default), so the wait
    # is the whole cool-off from now.
    wait = timeuntil(timezone.now() + settings.AXES_COOLOFF_TIME)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "wait": wait}
    return render(request, "admin/lockout.html", context, status=429)
