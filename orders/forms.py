from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from orders.images import CleanPhoto, photo_clean
from styles.models import Style


class StyleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class OrderForm(forms.Form):
    photo = forms.FileField(
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
        label=_("My painting may appear in the public gallery"), required=False, initial=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if settings.RECAPTCHA_MODE != "off":
            from django_recaptcha.fields import ReCaptchaField

            self.fields["captcha"] = ReCaptchaField(label=_("Are you human?"))
        self.clean_photo_result: CleanPhoto | None = None

    def clean_photo(self) -> CleanPhoto:
        upload = self.cleaned_data["photo"]
        photo = photo_clean(
            upload,
            size=upload.size,
            max_bytes=settings.UPLOAD_MAX_BYTES,
            max_pixels=settings.UPLOAD_MAX_PIXELS,
        )
        return photo
