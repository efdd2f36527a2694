"""The admin sign-in lockout (django-axes, settings AXES_*): its backend and the page it shows."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
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
        if username_guessed_out(str(kwargs.get("username") or "")):
            # As axes does for its own lockout: the middleware turns this into the lockout page.
            request.axes_locked_out = True  # type: ignore[attr-defined]
            raise AxesBackendPermissionDenied("too many wrong passwords for this username from all addresses")
        return super().authenticate(request, *args, **kwargs)


def username_guessed_out(username: str) -> bool:
    """Whether one username had ADMIN_USERNAME_FAILURE_LIMIT wrong passwords, from all addresses
    together, within the cool-off: guesses spread over many addresses, each under its own limit."""
    if not username:
        return False
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    failures = AccessAttempt.objects.filter(username=username, attempt_time__gte=since).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return (failures or 0) >= settings.ADMIN_USERNAME_FAILURE_LIMIT


def admin_lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    # Every further try during the lockout starts the cool-off again (axes' default), so the wait
    # is the whole cool-off from now.
    wait = timeuntil(timezone.now() + settings.AXES_COOLOFF_TIME)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "wait": wait}
    return render(request, "admin/lockout.html", context, status=429)
