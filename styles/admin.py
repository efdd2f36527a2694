from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from core.admin_search import BoundedSearchMixin
from styles.calibration import style_calibration_start
from styles.forms import PresetOrRecipeMixin, RecipeField
from styles.models import SamplePhoto, Style, StyleTrial
from styles.recipes import recipe_validate
from styles.services import (
    sample_photo_add,
    sample_photo_delete,
    style_set_active,
    style_set_image,
    style_trial_delete,
)
from styles.trials import TrialAdminMixin


class StyleAdminForm(PresetOrRecipeMixin, forms.ModelForm):
    upload = forms.ImageField(label=_("style image"), required=False, help_text=_("A painting whose look we copy."))
    preset = forms.ChoiceField(
        label=_("start from preset"),
        required=False,
        help_text=_("Replaces the recipe below with a named preset."),
    )
    recipe = RecipeField(
        label=_("render recipe"),
        required=False,
        help_text=_("Checked against the engine's recipe schema. Try it on the sample photos with a test render."),
    )

    class Meta:
        model = Style
        fields = (
            "slug",
            "name_en",
            "name_es",
            "description_en",
            "description_es",
            "active",
            "position",
            "recipe",
            "allow_strength",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipe"].required = False
        if not self.instance.pk:
            self.fields["upload"].required = True

    def clean_recipe(self) -> dict[str, Any]:
        recipe = self.cleaned_data.get("recipe")
        return recipe_validate(recipe) if recipe else {}


@admin.action(description=_("Activate (show to customers)"), permissions=["change"])
def activate_styles(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Style]) -> None:
    changed = style_set_active(styles=queryset, active=True)
    modeladmin.message_user(request, _("Styles activated: %(count)d.") % {"count": changed}, messages.SUCCESS)


@admin.action(description=_("Deactivate (hide from customers)"), permissions=["change"])
def deactivate_styles(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Style]) -> None:
    changed = style_set_active(styles=queryset, active=False)
    modeladmin.message_user(request, _("Styles deactivated: %(count)d.") % {"count": changed}, messages.SUCCESS)


@admin.register(Style)
class StyleAdmin(BoundedSearchMixin, TrialAdminMixin, admin.ModelAdmin):
    form = StyleAdminForm
    actions = (activate_styles, deactivate_styles)
    list_display = ("preview", "name_en", "name_es", "slug", "active", "position", "trials_link")
    list_display_links = ("preview", "name_en")
    list_editable = ("active", "position")
    list_filter = ("active",)
    search_fields = ("slug", "name_en", "name_es")
    prepopulated_fields = {"slug": ("name_en",)}
    readonly_fields = ("preview_large", "trials_link", "calibration_summary")
    fields = (
        "preview_large",
        "trials_link",
        "calibration_summary",
        "upload",
        "slug",
        ("name_en", "name_es"),
        ("description_en", "description_es"),
        ("active", "position"),
        "allow_original_colours",
        "allow_strength",
        "preset",
        "recipe",
    )

    @admin.display(description=_("image"))
    def preview(self, style: Style) -> SafeString | str:
        if not style.thumbnail:
            return "—"
        url = reverse("styles:thumbnail", kwargs={"slug": style.slug})
        return format_html('<img src="{}" alt="{}" style="height:64px;border-radius:4px">', url, style.name_en)

    @admin.display(description=_("current image"))
    def preview_large(self, style: Style) -> SafeString | str:
        if not style.pk or not style.thumbnail:
            return "—"
        url = reverse("styles:thumbnail", kwargs={"slug": style.slug})
        return format_html('<img src="{}" alt="{}" style="max-height:240px;border-radius:4px">', url, style.name_en)

    def save_model(self, request: HttpRequest, obj: Style, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        upload = form.cleaned_data.get("upload")
        if upload:
            style_set_image(style=obj, image_bytes=upload.read())
        if upload and SamplePhoto.objects.filter(active=True).exists():
            # A new painting pulls on photos with its own strength: calibrate it (styles.calibration).
            style_calibration_start(style=obj, actor=f"staff:{request.user.get_username()}")
            self.message_user(request, _("Calibration queued: the ladder appears on the calibration page."))

    @admin.display(description=_("calibration"))
    def calibration_summary(self, style: Style) -> SafeString | str:
        if not style.pk:
            return "—"
        url = reverse("admin:styles_style_calibration", args=[style.pk])
        data = style.calibration
        if not data:
            return format_html('<a href="{}">{}</a>', url, _("Not calibrated: calibrate on the sample photos"))
        after = data.get("after") or {}
        text = _("style weight x%(multiplier)s, moved %(moved)s (%(verdict)s)") % {
            "multiplier": f"{data.get('multiplier', 1):g}",
            "moved": f"{float(after.get('content_change', 0)):.0%}",
            "verdict": _("in the band") if data.get("in_band") else _("outside the band"),
        }
        return format_html('<a href="{}">{}</a>', url, text)

    @admin.display(description=_("test renders"))
    def trials_link(self, style: Style) -> SafeString | str:
        if not style.pk:
            return "—"
        url = reverse("admin:styles_style_trials", args=[style.pk])
        return format_html('<a href="{}">{}</a>', url, _("Try on the sample photos"))


class SamplePhotoForm(forms.ModelForm):
    upload = forms.ImageField(
        label=_("photo"), required=False, help_text=_("A photo that tests a style: a small face, a landscape, flowers.")
    )

    class Meta:
        model = SamplePhoto
        fields = ("title", "active", "position")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["upload"].required = not self.instance.pk


@admin.register(SamplePhoto)
class SamplePhotoAdmin(admin.ModelAdmin):
    form = SamplePhotoForm
    list_display = ("preview", "title", "width", "height", "active", "position")
    list_display_links = ("preview", "title")
    list_editable = ("active", "position")
    readonly_fields = ("preview",)

    @admin.display(description=_("photo"))
    def preview(self, sample: SamplePhoto) -> SafeString | str:
        if not sample.pk:
            return "—"
        url = reverse("admin:styles_samplephoto_image", args=[sample.pk])
        return format_html('<img src="{}" alt="{}" style="height:64px;border-radius:4px">', url, str(sample))

    def save_model(self, request: HttpRequest, obj: SamplePhoto, form: forms.ModelForm, change: bool) -> None:
        upload = form.cleaned_data.get("upload")
        if change or not upload:
            super().save_model(request, obj, form, change)
            return
        added = sample_photo_add(image_bytes=upload.read(), title=obj.title, position=obj.position, active=obj.active)
        obj.pk, obj.image, obj.width, obj.height = added.pk, added.image, added.width, added.height
        obj._state.adding = False

    def get_fields(self, request: HttpRequest, obj: SamplePhoto | None = None) -> Any:
        # A sample's photo is fixed once stored (test renders refer to it): add a new one instead.
        return ("preview", "title", "active", "position") if obj else ("upload", "title", "active", "position")

    def delete_model(self, request: HttpRequest, obj: SamplePhoto) -> None:
        sample_photo_delete(sample=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[SamplePhoto]) -> None:
        for sample in queryset:
            sample_photo_delete(sample=sample)


@admin.register(StyleTrial)
class StyleTrialAdmin(admin.ModelAdmin):
    """Every test render, to find and delete old ones; they are started and compared from a style's page."""

    list_display = ("id", "style", "label", "status", "requested_by", "created_at", "finished_at", "compare_link")
    list_filter = ("status", "style")
    list_select_related = ("style",)
    fields = ("compare_link", "style", "label", "status", "max_size", "requested_by", "worker", "error", "recipe")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description=_("test renders"))
    def compare_link(self, trial: StyleTrial) -> SafeString:
        url = reverse("admin:styles_style_trials", args=[trial.style_id])
        return format_html('<a href="{}?a={}">{}</a>', url, trial.pk, _("Compare"))

    def delete_model(self, request: HttpRequest, obj: StyleTrial) -> None:
        style_trial_delete(trial=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[StyleTrial]) -> None:
        for trial in queryset:
            style_trial_delete(trial=trial)
