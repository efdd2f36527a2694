"""The admin sign-in lockout (django-axes, settings AXES_*): its backend and the page it shows."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.timesince import timeuntil


class AdminLoginThrottle(AxesStandaloneBackend):
    """axes' backend, leaving alone the sign-ins that come with no request: those are made in our
    own process (Django's test client, a shell), never over the network, and axes refuses them."""

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


def admin_lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    # Every further try during the lockout starts the cool-off again (axes' default), so the wait
    # is the whole cool-off from now.
    wait = timeuntil(timezone.now() + settings.AXES_COOLOFF_TIME)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "wait": wait}
    return render(request, "admin/lockout.html", context, status=429)
