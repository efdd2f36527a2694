from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from backoffice.actions import ORDER_ACTIONS, OrderActionPermissions
from core.admin_search import BoundedSearchMixin
from gallery.admin import GalleryFilter
from orders.models import Order, OrderEvent, RenderJob
from payments.admin import PaymentAttentionFilter, PaymentInline, resend_hd_email


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class RenderJobInline(ReadOnlyInline):
    model = RenderJob
    fields = ("status", "attempts", "worker", "started_at", "finished_at", "render_time", "error")
    readonly_fields = fields

    @admin.display(description=_("render time"))
    def render_time(self, job: RenderJob) -> str:
        seconds = job.render_seconds
        return "—" if seconds is None else f"{seconds:.0f} s"


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ("created_at", "kind", "actor", "data")
    readonly_fields = fields

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # the log is evidence (refunds, data deletion requests): it outlives everything


@admin.register(Order)
class OrderAdmin(BoundedSearchMixin, OrderActionPermissions, admin.ModelAdmin):
    list_display = ("id", "email", "style", "status", "language", "country", "currency", "created_at")
    list_filter = ("status", PaymentAttentionFilter, GalleryFilter, "style", "language", "currency", "created_at")
    search_fields = ("email", "token")
    date_hierarchy = "created_at"
    readonly_fields = (
        "token",
        "page_link",
        "email",
        "language",
        "country",
        "currency",
        "style",
        "content_width",
        "content_height",
        "gallery_consent",
        "keep_colours",
        # The photo's first order (another style): a select of every order would be neither useful nor light.
        "source",
        "status",
        "data_deleted_at",
        "preview_email_sent_at",
        "paid_at",
        "hd_email_sent_at",
        "created_at",
        "updated_at",
    )
    exclude = ("content_image",)
    inlines = (RenderJobInline, PaymentInline, OrderEventInline)
    actions = (resend_hd_email, *ORDER_ACTIONS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # orders come from customers

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Deleting an order would take its event log with it. A customer's deletion request is the
        # "Delete the customer's data" action: files and email go, the anonymised order and log stay.
        return False

    @admin.display(description=_("customer's page"))
    def page_link(self, order: Order) -> SafeString:
        url = reverse("orders:detail", kwargs={"token": order.token})
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, _("open"))
