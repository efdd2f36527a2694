"""Staff actions on orders in the admin: re-render, re-send the preview email, refund, delete the
customer's data, approve for (or remove from) the public gallery.

Each action is thin: it checks nothing itself but calls one service per order, which re-checks
the order's state and writes the event log with the staff user as actor. Django offers an action
only to users with its permission (`permissions=[...]` -> OrderAdmin.has_<name>_permission), and
refuses a POST naming an action the user was not offered. Irreversible actions ask first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gallery.services import gallery_approve, gallery_remove
from orders.deletion import order_customer_data_delete
from orders.models import Order
from orders.staff import OrderActionRefused, order_preview_email_resend, order_rerender
from payments.providers import PaymentUnavailable
from payments.refunds import order_refund

# Action name -> the permission (codename in orders.Order's Meta) that unlocks it.
ACTION_PERMISSIONS = {
    "rerender": "orders.rerender_order",
    "resend_email": "orders.resend_order_email",
    "refund": "orders.refund_order",
    "delete_customer_data": "orders.delete_customer_data",
    "approve_gallery": "orders.approve_gallery",
}


def staff_actor(request: HttpRequest) -> str:
    return f"staff:{request.user.get_username()}"


def _each(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Order],
    service: Callable[[Order], Any],
    done_message: str,
) -> None:
    """Run `service` for each order; report how many it did and, order by order, why it refused."""
    done = 0
    for order in queryset.order_by("pk"):
        try:
            service(order)
        except (OrderActionRefused, PaymentUnavailable) as refusal:
            modeladmin.message_user(
                request,
                _("Order #%(id)s: not done, %(reason)s.") % {"id": order.pk, "reason": refusal},
                messages.WARNING,
            )
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message % {"count": done}, messages.SUCCESS)


def _confirmed(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Order], action: str, question: str
) -> TemplateResponse | None:
    """None once staff confirmed (POST with post=yes); else the page that asks."""
    if request.POST.get("post") == "yes":
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.model._meta,
        "title": _("Are you sure?"),
        "question": question,
        "orders": queryset.order_by("pk"),
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/orders/order/confirm_action.html", context)


@admin.action(
    description=gettext_lazy("Re-render (paint again with the style's current recipe)"), permissions=["rerender"]
)
def rerender(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Order]) -> None:
    actor = staff_actor(request)
    _each(
        modeladmin,
        request,
        queryset,
        lambda order: order_rerender(order_id=order.pk, actor=actor),
        _("Re-renders queued: %(count)d."),
    )


@admin.action(description=gettext_lazy("Re-send the preview email"), permissions=["resend_email"])
def resend_preview_email(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Order]) -> None:
    actor = staff_actor(request)
    _each(
        modeladmin,
        request,
        queryset,
        lambda order: order_preview_email_resend(order_id=order.pk, actor=actor),
        _("Preview emails queued: %(count)d."),
    )


@admin.action(description=gettext_lazy("Refund through Stripe"), permissions=["refund"])
def refund(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Order]) -> TemplateResponse | None:
    question = _("Refund the full amount paid for these orders through Stripe? This cannot be undone.")
    asking = _confirmed(modeladmin, request, queryset, "refund", question)
    if asking is not None:
        return asking
    actor = staff_actor(request)
    _each(
        modeladmin,
        request,
        queryset,
        lambda order: order_refund(order_id=order.pk, actor=actor),
        _("Orders refunded: %(count)d."),
    )
    return None


@admin.action(
    description=gettext_lazy("Delete the customer's data (photo, paintings, email)"),
    permissions=["delete_customer_data"],
)
def delete_customer_data(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Order]
) -> TemplateResponse | None:
    question = _(
        "Delete the photo, the paintings, the gallery artwork and the email address of these orders, and "
        "of every other order of the same photo (another style)? The orders, their payments and their "
        "event logs stay, anonymised. This cannot be undone."
    )
    asking = _confirmed(modeladmin, request, queryset, "delete_customer_data", question)
    if asking is not None:
        return asking
    actor = staff_actor(request)
    _each(
        modeladmin,
        request,
        queryset,
        lambda order: order_customer_data_delete(order_id=order.pk, actor=actor),
        _("Customer data deleted for %(count)d orders."),
    )
    return None


@admin.action(description=gettext_lazy("Approve for the public gallery"), permissions=["approve_gallery"])
def approve_for_gallery(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Order]) -> None:
    _each(
        modeladmin,
        request,
        queryset,
        lambda order: gallery_approve(order_id=order.pk, user=request.user),
        _("Artworks in the gallery: %(count)d."),
    )


@admin.action(description=gettext_lazy("Remove from the public gallery"), permissions=["approve_gallery"])
def remove_from_gallery(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Order]) -> None:
    actor = staff_actor(request)
    removed = sum(gallery_remove(order_id=order.pk, actor=actor) for order in queryset)
    modeladmin.message_user(request, _("Artworks removed from the gallery: %(count)d.") % {"count": removed})


ORDER_ACTIONS = (rerender, resend_preview_email, refund, delete_customer_data, approve_for_gallery, remove_from_gallery)


class OrderActionPermissions:
    """Mixed into OrderAdmin: `has_<action>_permission` for each name in ACTION_PERMISSIONS."""

    def has_rerender_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(ACTION_PERMISSIONS["rerender"])

    def has_resend_email_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(ACTION_PERMISSIONS["resend_email"])

    def has_refund_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(ACTION_PERMISSIONS["refund"])

    def has_delete_customer_data_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(ACTION_PERMISSIONS["delete_customer_data"])

    def has_approve_gallery_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(ACTION_PERMISSIONS["approve_gallery"])
