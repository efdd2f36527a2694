"""HTTP responses every app's views share."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from django.http import HttpResponseRedirect

P = ParamSpec("P")
R = TypeVar("R")


class HttpResponseSeeOther(HttpResponseRedirect):
    """303: after a POST (or for `/`), the browser follows with a GET."""

    status_code = 303


def csp_allow(
    extra: dict[str, list[str]], *, when: Callable[[], bool] | None = None
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """The view's responses allow `extra` sources on top of the Content-Security-Policy (django-csp's
    csp_update, typed for views that take URL arguments), while `when()` says so (default: always)."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            response = view(*args, **kwargs)
            if when is None or when():
                response._csp_update = extra  # type: ignore[attr-defined]  # what django-csp's middleware reads
            return response

        return wrapped

    return decorator
