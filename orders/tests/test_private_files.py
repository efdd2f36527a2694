"""The HD file must not be reachable through any URL the shop serves in this issue."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import URLPattern, URLResolver, get_resolver

from orders.models import Order, RenderJob

if TYPE_CHECKING:
    from django.test import Client

    from styles.models import Style


pytestmark = pytest.mark.django_db
HD_BYTES = b"\x89PNG\r\n\x1a\n" + b"HD-SECRET-PIXELS" * 64


def all_routes(resolver: URLResolver | None = None, prefix: str = "") -> list[str]:
    routes = []
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            routes += all_routes(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            routes.append(prefix + str(entry.pattern))
    return routes


def fill(route: str, values: dict[str, str]) -> str | None:
    path = route.replace("^", "").replace("$", "").replace("\\Z", "")
    for name, value in values.items():
        for converter in ("str", "slug", "path", "int"):
            path = path.replace(f"<{converter}:{name}>", value)
        path = path.replace(f"<{name}>", value)
    if "<" in path or "(" in path:
        return None  # a pattern this test cannot fill (regex admin routes): covered by the admin walk below
    return "/" + path.lstrip("/")


def test_the_hd_file_is_never_served(client: Client, admin_client: Client, style: Style) -> None:
    order = Order.objects.create(email="a@example.com", style=style, content_image="uploads/x.jpg")
    hd_name = default_storage.save("renders/secret-hd.png", ContentFile(HD_BYTES))
    RenderJob.objects.create(
        order=order,
        status=RenderJob.Status.DONE,
        hd=hd_name,
        preview=default_storage.save("renders/p.jpg", ContentFile(b"preview")),
    )
    values = {
        "token": order.token,
        "slug": style.slug,
        "object_id": str(order.pk),
        "app_label": "orders",
        "model_name": "order",
        "url": hd_name,
        "path": hd_name,
    }
    paths = {fill(route, values) for route in all_routes()} - {None}
    paths |= {f"/en/{p}" for p in ("media/" + hd_name, hd_name)} | {f"/static/../var/media/{hd_name}", f"/{hd_name}"}
    paths |= {f"/admin/orders/order/{order.pk}/change/", f"/admin/orders/renderjob/{order.current_job.pk}/change/"}
    checked = 0
    for who in (client, admin_client):
        for language in ("en", "es"):
            for path in sorted(paths):
                path = path.replace("/<lang>/", f"/{language}/")
                response = who.get(path, follow=True)
                body = response.getvalue() if response.streaming else response.content
                assert HD_BYTES not in body, path
                if hd_name not in path:  # pages echo their own path (language switch), which is no leak
                    assert hd_name.encode() not in body, path
                checked += 1
    assert checked > 20
