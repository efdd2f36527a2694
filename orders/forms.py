from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from orders.direct_upload import direct_upload_take
from orders.images import CleanPhoto, photo_clean
from styles.models import Style


class StyleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class OrderForm(forms.Form):
    # Not required by itself: with direct upload the photo may arrive as `upload` (a token) instead.
    photo = forms.FileField(
        required=False,
        label=_("Your photo"),
        help_text=_("JPEG, PNG, WebP or HEIC, up to 20 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/heic,image/heif"}),
    )
    style = StyleChoiceField(
        label=_("Style"),
        queryset=Style.objects.active(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Please choose a style."), "invalid_choice": _("Please choose a style.")},
    )
    email = forms.EmailField(
        label=_("Your email"), help_text=_("We send the link to your preview here."), max_length=254
    )
    gallery_consent = forms.BooleanField(
        # Exactly what the gallery publishes (gallery/services.py): the painting, never the photo.
        label=_("My painting may appear in the public gallery; my photo never does"),
        required=False,
        initial=False,
    )
    # Set by the page's script after the browser sent the photo to S3 (orders/direct_upload.py).
    upload = forms.CharField(required=False, widget=forms.HiddenInput, max_length=400)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if settings.RECAPTCHA_MODE != "off":
            from django_recaptcha.fields import ReCaptchaField

            self.fields["captcha"] = ReCaptchaField(label=_("Are you human?"))
        if not settings.DIRECT_UPLOAD:
            del self.fields["upload"]

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
                self.data = self.data.copy()  # type: ignore[attr-defined]  # a QueryDict
                self.data["upload"] = ""  # type: ignore[index]  # the object is gone: the page must not offer it again
                self.add_error("photo", error)
        return cleaned
