from __future__ import annotations

import secrets
from typing import Any

from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from orders.mailbox import mailbox_of
from styles.models import Style


def new_order_token() -> str:
    # 32 bytes of randomness: the preview link is the only key to an order, so it must not be guessable.
    return secrets.token_urlsafe(32)


class Order(models.Model):
    class Status(models.TextChoices):
        RENDERING = "rendering", _("Painting")
        PREVIEW_READY = "preview_ready", _("Preview ready")
        FAILED = "failed", _("Failed")
        # Payment state that decides delivery lives here, beside the render state, because one
        # guarded UPDATE of this column must decide "deliver exactly once". Each Stripe
        # PaymentIntent (amounts, refunds, flags for staff) is a payments.Payment row.
        PAID = "paid", _("Paid")
        REFUNDED = "refunded", _("Refunded")
        # Not bought within the retention period: its files are deleted, and it can no longer be bought.
        EXPIRED = "expired", _("Expired")

    token = models.CharField(_("token"), max_length=64, unique=True, default=new_order_token, editable=False)
    email = models.EmailField(_("email"))
    # The address's mailbox (orders/mailbox.py), for the daily limit of orders per address.
    mailbox = models.CharField(_("mailbox"), max_length=254, blank=True, editable=False, db_default="")
    language = models.CharField(_("language"), max_length=8, default="en")
    country = models.CharField(_("country"), max_length=2, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    style = models.ForeignKey(Style, on_delete=models.PROTECT, related_name="orders", verbose_name=_("style"))
    content_image = models.FileField(_("photo"), upload_to="uploads/", max_length=200)
    content_width = models.PositiveIntegerField(_("photo width (px)"), default=0)
    content_height = models.PositiveIntegerField(_("photo height (px)"), default=0)
    gallery_consent = models.BooleanField(_("may appear in the public gallery"), default=False)
    keep_colours = models.BooleanField(_("keeps the photo's colours"), default=False)

    class Strength(models.TextChoices):
        # painter.calibrate.STRENGTHS: the calibrated style weights times a factor.
        LIGHTER = "lighter", _("Lighter")
        AS_SHOWN = "as_shown", _("As shown")
        STRONGER = "stronger", _("Stronger")

    strength = models.CharField(_("strength"), max_length=10, choices=Strength.choices, default=Strength.AS_SHOWN)
    # "Another style for the same photo" (orders/services.py, order_another_style_create): the first
    # order of the photo, never one made from it, so that a photo's orders are that order and the
    # ones pointing at it. Each holds its own copy of the photo; deletion covers them all.
    source = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="other_styles",
        verbose_name=_("photo from order"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RENDERING)
    preview_email_sent_at = models.DateTimeField(_("preview email sent at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    hd_email_sent_at = models.DateTimeField(_("HD email sent at"), null=True, blank=True)
    # A send under way holds its email until then (orders/outbox.py): two senders never send twice,
    # and one that died lets the outbox send after it.
    preview_email_claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    hd_email_claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when staff deleted the customer's photo, paintings and email at their request.
    data_deleted_at = models.DateTimeField(_("customer data deleted"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ("-created_at",)
        # The daily limit of new orders per address (orders/selectors.py) reads this, newest first.
        indexes = [models.Index("mailbox", F("created_at").desc(), name="orders_order_mailbox_day")]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        # Staff actions on orders, each granted on its own (superusers have them all).
        permissions = [
            ("rerender_order", "Can re-render an order"),
            ("resend_order_email", "Can re-send an order's preview or download email"),
            ("refund_order", "Can refund an order through Stripe"),
            ("delete_customer_data", "Can delete a customer's photo, paintings and email"),
            ("approve_gallery", "Can approve or remove artworks in the public gallery"),
        ]

    def __str__(self) -> str:
        # No email address: this text lands in logs, error reports and the admin's history.
        return f"#{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Derived from the email on every save, so that no way of writing an order can skip it.
        self.mailbox = mailbox_of(self.email) if self.email else ""
        if kwargs.get("update_fields") is not None and "email" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "mailbox"}
        super().save(*args, **kwargs)

    @property
    def current_job(self) -> RenderJob | None:
        return self.jobs.order_by("-id").first()


class RenderJob(models.Model):
    """One attempt-tracked render of an order. The row, not the broker, owns the work."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="jobs", verbose_name=_("order"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    recipe = models.JSONField(
        _("render recipe"), default=dict, help_text=_("Snapshot of the style's recipe when the order was placed.")
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # When the last Celery message for this job was sent: the reaper re-sends one that is overdue.
    enqueued_at = models.DateTimeField(_("queued at"), null=True, blank=True, db_index=True)
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    lease_expires_at = models.DateTimeField(_("lease expires at"), null=True, blank=True, db_index=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    progress = models.JSONField(_("progress"), default=dict, blank=True)
    progress_image = models.FileField(_("progress image"), upload_to="progress/", blank=True, max_length=200)
    preview = models.FileField(_("preview"), upload_to="renders/", blank=True, max_length=200)
    hd = models.FileField(_("HD painting"), upload_to="renders/", blank=True, max_length=200)
    stats = models.JSONField(_("statistics"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ("-id",)
        verbose_name = _("render job")
        verbose_name_plural = _("render jobs")

    def __str__(self) -> str:
        return f"job {self.pk} ({self.status})"

    @property
    def render_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class OrderEvent(models.Model):
    """Append-only history of an order: who did what, when, with which data."""

    class Kind(models.TextChoices):
        """Every kind of event, written by the app that does the thing. The label is the value: the log
        is a record in the shop's own words, shown to staff as written."""

        # The order and its render jobs.
        ORDER_CREATED = "order_created", "order_created"
        # Written on the order whose page the customer asked from; the new order's order_created names it.
        OTHER_STYLE_ORDERED = "other_style_ordered", "other_style_ordered"
        RENDER_CLAIMED = "render_claimed", "render_claimed"
        RENDER_DONE = "render_done", "render_done"
        RENDER_RETRY = "render_retry", "render_retry"
        RENDER_FAILED = "render_failed", "render_failed"
        RENDER_RELEASED = "render_released", "render_released"
        LEASE_EXPIRED = "lease_expired", "lease_expired"
        REPAIR_RERENDER = "repair_rerender", "repair_rerender"
        REPAIR_SKIPPED = "repair_skipped", "repair_skipped"
        RERENDER_REQUESTED = "rerender_requested", "rerender_requested"
        STAFF_ALERTED = "staff_alerted", "staff_alerted"
        # Emails.
        PREVIEW_EMAIL_SENT = "preview_email_sent", "preview_email_sent"
        PREVIEW_EMAIL_RESEND_REQUESTED = "preview_email_resend_requested", "preview_email_resend_requested"
        FAILURE_EMAIL_SENT = "failure_email_sent", "failure_email_sent"
        EMAIL_REFUSED = "email_refused", "email_refused"
        HD_EMAIL_SENT = "hd_email_sent", "hd_email_sent"
        HD_EMAIL_RESEND_REQUESTED = "hd_email_resend_requested", "hd_email_resend_requested"
        # The customer's files.
        DATA_DELETED = "data_deleted", "data_deleted"
        FILES_PURGED = "files_purged", "files_purged"
        RECONCILE_PHOTO_MISSING = "reconcile_photo_missing", "reconcile_photo_missing"
        # The gallery.
        GALLERY_APPROVED = "gallery_approved", "gallery_approved"
        GALLERY_REMOVED = "gallery_removed", "gallery_removed"
        GALLERY_CONSENT_WITHDRAWN = "gallery_consent_withdrawn", "gallery_consent_withdrawn"
        # The customer's own share page.
        SHARE_PUBLISHED = "share_published", "share_published"
        SHARE_WITHDRAWN = "share_withdrawn", "share_withdrawn"
        SHARE_CHANGED = "share_changed", "share_changed"
        # Payments and refunds.
        PAYMENT_STARTED = "payment_started", "payment_started"
        PAYMENT_FLAGGED = "payment_flagged", "payment_flagged"
        PAYMENT_CANCELED = "payment_canceled", "payment_canceled"
        PAYMENT_FAILED = "payment_failed", "payment_failed"
        PAYMENT_SUCCEEDED = "payment_succeeded", "payment_succeeded"
        PAYMENT_PARTLY_REFUNDED = "payment_partly_refunded", "payment_partly_refunded"
        PAYMENT_REFUNDED = "payment_refunded", "payment_refunded"
        ORDER_PAID = "order_paid", "order_paid"
        ORDER_REFUNDED = "order_refunded", "order_refunded"
        REFUND_REQUESTED = "refund_requested", "refund_requested"
        REFUND_CREATED = "refund_created", "refund_created"
        REFUND_FAILED = "refund_failed", "refund_failed"

    # PROTECT: deleting an order (a shell, a bulk delete, any future admin) must never take its log along.
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="events", verbose_name=_("order"))
    job = models.ForeignKey(
        RenderJob,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("render job"),
    )
    kind = models.CharField(_("event"), max_length=40, choices=Kind.choices)
    actor = models.CharField(_("done by"), max_length=200)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("id",)
        verbose_name = _("order event")
        verbose_name_plural = _("order events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.kind} by {self.actor}"

    def save(self, *args: object, **kwargs: object) -> None:
        # The log is evidence: a row once written is never rewritten.
        if self.pk is not None:
            raise ValueError("OrderEvent rows are append-only")
        super().save(*args, **kwargs)


class OrderLinksRequest(models.Model):
    """Someone asked for the links to the orders of an email address ("Find my orders",
    orders/find_orders.py). Owed until its emails are sent, then deleted: the row, not the broker,
    keeps a request that a failing mail server would otherwise lose."""

    # The mailbox key (orders/mailbox.py), never the address as typed: the links go only to the
    # addresses the orders were placed with.
    mailbox = models.CharField(_("mailbox"), max_length=254)
    language = models.CharField(_("language"), max_length=8, default="en")
    # Addresses already sent to, so that a retry after a failure sends only the rest.
    sent_to = models.JSONField(_("sent to"), default=list, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("request for order links")
        verbose_name_plural = _("requests for order links")

    def __str__(self) -> str:
        return f"#{self.pk}"  # no address: this text may land in logs


def new_share_key() -> str:
    # Its own randomness, nothing of the order's token: the share page must not lead to the order.
    return secrets.token_urlsafe(16)


class OrderShare(models.Model):
    """The customer published their painting on a page of its own (orders/sharing.py): the
    watermarked preview, or once paid, if they choose, a web-size copy of the HD painting without
    the mark (``clean``). Withdrawing deletes the row, so the page and its image answer 404 at once."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="share", verbose_name=_("order"))
    key = models.CharField(_("key"), max_length=32, unique=True, default=new_share_key, editable=False)
    clean = models.FileField(_("painting without the mark"), upload_to="shares/", blank=True, max_length=200)
    # The copy's size, for the page's image and its Open Graph tags.
    clean_width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    clean_height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("shared painting")
        verbose_name_plural = _("shared paintings")

    def __str__(self) -> str:
        return f"share of #{self.order_id}"  # never the key: this text may land in logs
