"""HTTP responses every app's views share."""

from __future__ import annotations

from django.http import HttpResponseRedirect


class HttpResponseSeeOther(HttpResponseRedirect):
    """303: after a POST (or for `/`), the browser follows with a GET."""

    status_code = 303
