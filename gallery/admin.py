from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from gallery.models import GalleryEntry
from gallery.services import gallery_remove


class GalleryFilter(admin.SimpleListFilter):
    """Orders by their place in the gallery: customers who agreed, and artworks staff approved."""

    title = _("gallery")
    parameter_name = "gallery"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("consent", str(_("Customer agreed, not approved yet"))), ("shown", str(_("Shown in the gallery")))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "consent":
            return queryset.filter(gallery_consent=True, gallery_entry__isnull=True)
        if self.value() == "shown":
            return queryset.filter(gallery_consent=True, gallery_entry__isnull=False)
        return queryset


@admin.register(GalleryEntry)
class GalleryEntryAdmin(admin.ModelAdmin):
    """What the gallery shows; removing an entry here takes it off the public page at once."""

    list_display = ("thumbnails", "order_link", "style", "approved_by", "approved_at")
    list_select_related = ("order__style", "approved_by")
    readonly_fields = ("thumbnails", "order_link", "approved_by", "approved_at")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # entries come from the order action "approve for the public gallery"

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.has_perm("orders.approve_gallery")

    def delete_model(self, request: HttpRequest, obj: GalleryEntry) -> None:
        gallery_remove(order_id=obj.order_id, actor=f"staff:{request.user.get_username()}")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[GalleryEntry]) -> None:
        for entry in queryset:
            self.delete_model(request, entry)

    @admin.display(description=_("painting"))
    def thumbnails(self, entry: GalleryEntry) -> SafeString:
        after = reverse("gallery:image", kwargs={"entry_id": entry.pk, "side": "after"})
        return format_html('<img src="{}" alt="" style="height:64px">', after)

    @admin.display(description=_("order"))
    def order_link(self, entry: GalleryEntry) -> SafeString:
        url = reverse("admin:orders_order_change", args=[entry.order_id])
        return format_html('<a href="{}">#{}</a>', url, entry.order_id)

    @admin.display(description=_("style"))
    def style(self, entry: GalleryEntry) -> str:
        return entry.order.style.name_en
