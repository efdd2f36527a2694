from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.models import Order


class GalleryEntryQuerySet(models.QuerySet["GalleryEntry"]):
    def visible(self) -> GalleryEntryQuerySet:
        """What the public may see: approved by staff, and the customer's consent still given."""
        return self.filter(order__gallery_consent=True, order__data_deleted_at__isnull=True)


class GalleryEntry(models.Model):
    """An order's painting in the public gallery, approved by staff.

    Only the painting: that is what the customer agreed to ("my painting; my photo never"). The
    thumbnail is made at approval (a small JPEG, so the gallery loads quickly) and is deleted with
    the entry when the customer withdraws consent, staff remove it, or retention deletes the order's
    files (orders/retention.py).
    """

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="gallery_entry", verbose_name=_("order"))
    after = models.FileField(_("painting thumbnail"), upload_to="gallery/", max_length=200)
    after_width = models.PositiveIntegerField(_("thumbnail width (px)"), default=0)
    after_height = models.PositiveIntegerField(_("thumbnail height (px)"), default=0)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), db_index=True)

    objects = GalleryEntryQuerySet.as_manager()

    class Meta:
        ordering = ("-approved_at", "-id")
        verbose_name = _("gallery entry")
        verbose_name_plural = _("gallery entries")

    def __str__(self) -> str:
        return f"gallery entry of order {self.order_id}"
