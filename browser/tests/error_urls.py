"""The error page tests' URLs (picmatix/tests/error_urls.py) and the 429 page, which the shop's own
views answer with the form and its message instead (a rate-limited upload)."""

from django.conf.urls.i18n import i18n_patterns
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from picmatix.tests.error_urls import urlpatterns as error_urlpatterns


def fail_429(request: HttpRequest) -> HttpResponse:
    return render(request, "429.html", status=429)


urlpatterns = [
    *error_urlpatterns,
    *i18n_patterns(path("fail/429/", fail_429), prefix_default_language=True),
]
