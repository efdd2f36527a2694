from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin_search import BoundedSearchMixin
from orders.models import Order
from payments.models import Payment, Price
from payments.services import order_hd_email_resend


@admin.register(Price)
class PriceAdmin(admin.ModelAdmin):
    list_display = ("currency", "suggested", "minimum", "active", "updated_at")
    list_editable = ("suggested", "minimum", "active")
    list_filter = ("active",)


class PaymentAttentionFilter(admin.SimpleListFilter):
    """Orders (or payments) with a payment staff must look at: wrong amount, paid twice..."""

    title = _("needs attention")
    parameter_name = "attention"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", str(_("Yes")))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() != "yes":
            return queryset
        if queryset.model is Payment:
            return queryset.exclude(flag="")
        return queryset.filter(payments__in=Payment.objects.exclude(flag="")).distinct()


@admin.register(Payment)
class PaymentAdmin(BoundedSearchMixin, admin.ModelAdmin):
    list_display = ("stripe_id", "provider", "order", "amount", "currency", "status", "flag", "livemode", "created_at")
    list_filter = (PaymentAttentionFilter, "provider", "status", "currency", "livemode")
    search_fields = ("stripe_id", "order__email", "order__token")
    readonly_fields = [field.name for field in Payment._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # payments come from Stripe

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    can_delete = False
    fields = (
        "stripe_id",
        "provider",
        "amount",
        "currency",
        "status",
        "amount_refunded",
        "flag",
        "created_at",
        "checked_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.action(description=_("Re-send the HD download email"), permissions=["resend_email"])
def resend_hd_email(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Order]) -> None:
    actor = f"staff:{request.user.get_username()}"
    sent = sum(order_hd_email_resend(order_id=order.pk, actor=actor) for order in queryset)
    skipped = queryset.count() - sent
    if sent:
        modeladmin.message_user(request, _("Download emails queued: %(count)d.") % {"count": sent})
    if skipped:
        modeladmin.message_user(
            request, _("Orders not paid, nothing sent: %(count)d.") % {"count": skipped}, level=messages.WARNING
        )
