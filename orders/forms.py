from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.timesince import timeuntil
from django.utils.translation import gettext_lazy as _

from orders.direct_upload import direct_upload_discard, direct_upload_human, direct_upload_take
from orders.images import CleanPhoto, photo_clean
from orders.models import Order
from orders.selectors import order_email_retry_at
from styles.models import Style


class StyleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


def orders_per_day_message(retry_at: datetime) -> str:
    return _(
        "This email address has reached its limit of %(limit)s new orders a day. You can order again in %(wait)s."
    ) % {"limit": settings.ORDERS_PER_EMAIL_PER_DAY, "wait": timeuntil(retry_at)}


def _strength_clean(form: forms.Form, cleaned: dict[str, Any]) -> None:
    """No choice is "as shown"; another strength only with a style that offers it (a stale page or a
    crafted POST gets told, and nothing is stored)."""
    cleaned["strength"] = cleaned.get("strength") or Order.Strength.AS_SHOWN
    style = cleaned.get("style")
    if cleaned["strength"] != Order.Strength.AS_SHOWN and style is not None and not style.offers_strength:
        form.add_error("strength", _("This style does not offer another strength."))


def strength_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("How much of the painting"),
        choices=Order.Strength.choices,
        initial=Order.Strength.AS_SHOWN,
        required=False,
        widget=forms.RadioSelect,
    )


def style_field() -> StyleChoiceField:
    """The active styles, as radio buttons: a style staff switched off is refused even from a stale page."""
    return StyleChoiceField(
        label=_("Style"),
        queryset=Style.objects.active(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Please choose a style."), "invalid_choice": _("Please choose a style.")},
    )


class OrderForm(forms.Form):
    # Not required by itself: with direct upload the photo may arrive as `upload` (a token) instead.
    photo = forms.FileField(
        required=False,
        label=_("Your photo"),
        help_text=_("JPEG, PNG, WebP or HEIC, up to 20 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/heic,image/heif"}),
    )
    style = style_field()
    email = forms.EmailField(
        label=_("Your email"), help_text=_("We send the link to your preview here."), max_length=254
    )
    gallery_consent = forms.BooleanField(
        # Exactly what the gallery publishes (gallery/services.py): the painting, never the photo.
        label=_("My painting may appear in the public gallery; my photo never does"),
        required=False,
        initial=False,
    )
    keep_colours = forms.BooleanField(
        label=_("Keep my photo's colours"),
        help_text=_("Take only the brushwork of the style and keep the colours of your photo."),
        required=False,
        initial=False,
    )
    strength = strength_field()
    # Set by the page's script after the browser sent the photo to S3 (orders/direct_upload.py).
    upload = forms.CharField(required=False, widget=forms.HiddenInput, max_length=400)

    def __init__(self, *args: Any, remote_ip: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not settings.DIRECT_UPLOAD:
            del self.fields["upload"]
        # A direct upload passed the captcha when its policy was handed out (orders/views.py). A
        # request that also carries a photo is a plain upload: its token stands for nothing.
        direct_human = (
            settings.DIRECT_UPLOAD
            and not self.files.get("photo")
            and direct_upload_human(str(self.data.get("upload") or ""))
        )
        if settings.RECAPTCHA_MODE != "off" and not direct_human:
            from core.captcha import CaptchaField

            self.fields["captcha"] = CaptchaField(label=_("Are you human?"), remote_ip=remote_ip)

    def clean_photo(self) -> CleanPhoto | None:
        upload = self.cleaned_data["photo"]
        if upload is None:
            return None
        photo = photo_clean(
            upload,
            size=upload.size,
            max_bytes=settings.UPLOAD_MAX_BYTES,
            max_pixels=settings.UPLOAD_MAX_PIXELS,
        )
        return photo

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.files.get("photo") and cleaned.get("upload"):
            # A token sent beside a photo is spent unused, so that it cannot buy a captcha-free
            # order later.
            direct_upload_discard(cleaned["upload"])
            self._forget_upload()
            cleaned["upload"] = ""
        style = cleaned.get("style")
        if cleaned.get("keep_colours") and style is not None and not style.allow_original_colours:
            # The page offers the option only with styles that allow it; a stale page or a crafted
            # POST gets told, and nothing is stored.
            self.add_error("keep_colours", _("This style does not offer keeping your photo's colours."))
        _strength_clean(self, cleaned)
        # Checked last, once the rest (the captcha included) is right: a bot learns nothing about
        # an address, and a customer is not told about the limit while a field is still wrong.
        if not self.errors and self._refused_for_the_day(cleaned):
            return cleaned
        if cleaned.get("photo") is not None or "photo" in self.errors:
            return cleaned
        token = cleaned.get("upload")
        if not token:
            self.add_error("photo", self.fields["photo"].error_messages["required"])
        elif not self.errors:
            # Fetched only once the rest of the form is right: while the customer corrects their
            # email, the uploaded photo waits in S3 and the page keeps its token.
            try:
                cleaned["photo"] = direct_upload_take(
                    token=token, max_bytes=settings.UPLOAD_MAX_BYTES, max_pixels=settings.UPLOAD_MAX_PIXELS
                )
            except ValidationError as error:
                self._forget_upload()
                self.add_error("photo", error)
        return cleaned

    def _refused_for_the_day(self, cleaned: dict[str, Any]) -> bool:
        retry_at = order_email_retry_at(email=cleaned["email"], per_day=settings.ORDERS_PER_EMAIL_PER_DAY)
        if retry_at is None:
            return False
        self.refuse_for_the_day(retry_at)
        return True

    def refuse_for_the_day(self, retry_at: datetime) -> None:
        """The address's mailbox reached its daily limit: say when it may order again."""
        message = orders_per_day_message(retry_at)
        token = (self.cleaned_data if hasattr(self, "cleaned_data") else {}).get("upload")
        self.add_error("email", ValidationError(message, code="orders_per_day"))
        if token:
            # Refused before it is fetched: the photo in S3 is deleted unread, nothing is kept.
            direct_upload_discard(token)
            self._forget_upload()

    def _forget_upload(self) -> None:
        """The uploaded object is gone: the page must not offer it again, and the next photo needs
        a captcha again (the one passed for this upload was spent on it)."""
        self.data = self.data.copy()  # type: ignore[attr-defined]  # a QueryDict
        self.data["upload"] = ""  # type: ignore[index]
        if settings.RECAPTCHA_MODE != "off" and "captcha" not in self.fields:
            from core.captcha import CaptchaField

            self.fields["captcha"] = CaptchaField(label=_("Are you human?"))


class AnotherStyleForm(forms.Form):
    """Another style, and strength where the style offers it, for the photo of an order (its page;
    orders/services.py, order_another_style_create). The photo and the email are the order's."""

    style = style_field()
    strength = strength_field()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _strength_clean(self, cleaned)
        return cleaned

    def refuse_for_the_day(self, retry_at: datetime) -> None:
        self.add_error(None, ValidationError(orders_per_day_message(retry_at), code="orders_per_day"))


class OrderLinksForm(forms.Form):
    """Find my orders (orders/find_orders.py): the address whose orders' links to email."""

    email = forms.EmailField(
        label=_("Your email address"),
        help_text=_("The address you gave with your order."),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
