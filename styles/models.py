from __future__ import annotations

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class StyleQuerySet(models.QuerySet["Style"]):
    def active(self) -> StyleQuerySet:
        return self.filter(active=True)


class Style(models.Model):
    """A painting style staff curate: its image, names in each language and its render recipe."""

    slug = models.SlugField(_("slug"), unique=True)
    name_en = models.CharField(_("name (English)"), max_length=80)
    name_es = models.CharField(_("name (Spanish)"), max_length=80)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_es = models.TextField(_("description (Spanish)"), blank=True)
    image = models.ImageField(_("style image"), upload_to="styles/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="styles/thumbs/", blank=True)
    active = models.BooleanField(_("active"), default=False, help_text=_("Shown to customers."))
    position = models.PositiveIntegerField(_("position"), default=0, help_text=_("Lower comes first."))
    recipe = models.JSONField(_("render recipe"), default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StyleQuerySet.as_manager()

    class Meta:
        ordering = ("position", "id")
        verbose_name = _("style")
        verbose_name_plural = _("styles")

    def __str__(self) -> str:
        return self.name

    # Staff type both languages; the customer sees the one of the page (or of the email).
    @property
    def name(self) -> str:
        return self.name_es if translation.get_language() == "es" and self.name_es else self.name_en

    @property
    def description(self) -> str:
        if translation.get_language() == "es" and self.description_es:
            return self.description_es
        return self.description_en
