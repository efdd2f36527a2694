"""The shop's URLs plus views that fail on purpose, for the error page tests."""

from django.conf.urls.i18n import i18n_patterns
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_protect

from picmatix.urls import urlpatterns as shop_urlpatterns


def fail_400(request: HttpRequest) -> HttpResponse:
    raise BadRequest("test")


def fail_403(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def fail_500(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


@csrf_protect
def needs_csrf(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [
    *shop_urlpatterns,
    *i18n_patterns(
        path("fail/400/", fail_400),
        path("fail/403/", fail_403),
        path("fail/500/", fail_500),
        path("fail/csrf/", needs_csrf),
        prefix_default_language=True,
    ),
]
