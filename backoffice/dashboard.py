"""The staff dashboard (/admin/dashboard/): orders, conversion, revenue, the render queue, failures.

Plain server-rendered tables and an inline SVG bar chart: nothing to load, nothing to break.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from orders.selectors import emails_due, orders_per_day, preview_conversion, queue_metrics, render_failures
from payments.selectors import revenue_per_currency

CHART_HEIGHT, BAR_WIDTH, BAR_GAP = 120, 22, 6


def _days(request: HttpRequest) -> int:
    try:
        return min(90, max(1, int(request.GET.get("days", 14))))
    except ValueError:
        return 14


def _chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    peak = max((row["orders"] for row in rows), default=0) or 1
    bars = []
    for i, row in enumerate(rows):
        orders = round(CHART_HEIGHT * row["orders"] / peak)
        paid = round(CHART_HEIGHT * row["paid"] / peak)
        bars.append(
            {
                "x": i * (BAR_WIDTH + BAR_GAP),
                "orders_y": CHART_HEIGHT - orders,
                "orders_h": orders,
                "paid_y": CHART_HEIGHT - paid,
                "paid_h": paid,
                "row": row,
            }
        )
    return {
        "bars": bars,
        "width": len(rows) * (BAR_WIDTH + BAR_GAP),
        "height": CHART_HEIGHT,
        "bar": BAR_WIDTH,
        "peak": peak,
    }


@never_cache
def dashboard(request: HttpRequest) -> TemplateResponse:
    if not request.user.has_perm("orders.view_order"):
        raise PermissionDenied
    days = _days(request)
    per_day = orders_per_day(days=days)
    can_see_money = request.user.has_perm("payments.view_payment")
    context = {
        **admin.site.each_context(request),
        "title": _("Dashboard"),
        "days": days,
        "per_day": per_day,
        "chart": _chart(per_day),
        "conversion": preview_conversion(days=days),
        "revenue": revenue_per_currency(since=timezone.now() - timedelta(days=days)) if can_see_money else None,
        "queue": queue_metrics(),
        "emails": emails_due(),
        "failures": render_failures(days=days),
    }
    return TemplateResponse(request, "admin/dashboard.html", context)
