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
    # What the style does to a photo: a reference photo painted in this style, shown on its card.
    example = models.ImageField(_("example painting"), upload_to="styles/examples/", blank=True)
    example_sample = models.ForeignKey(
        "SamplePhoto",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("example's photo"),
    )
    # The same example with the photo's own colours (painter.colours), where staff offer that.
    example_own_colours = models.ImageField(
        _("example with the photo's colours"), upload_to="styles/examples/", blank=True
    )
    allow_original_colours = models.BooleanField(
        _('offer "keep my photo\'s colours"'),
        default=False,
        help_text=_("Customers may keep their photo's colours and take only the brushwork of this style."),
    )
    # The customer's "lighter / as shown / stronger" (painter.calibrate.STRENGTHS), offered once the
    # style is calibrated: each is shown by the calibration's painting of the reference portrait.
    allow_strength = models.BooleanField(
        _("offer a lighter or stronger painting"),
        default=True,
        help_text=_("Customers may ask for less or more of the style than the example shows (once calibrated)."),
    )
    # The last calibration adopted (styles.calibration): the multiplier applied to the recipe's style
    # weights, the measure before and after, the test render that holds its ladder.
    calibration = models.JSONField(_("calibration"), default=dict, blank=True)
    # Storage names of the reference portrait painted at each strength (public, like the example).
    strength_examples = models.JSONField(_("strength examples"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

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

    @property
    def offers_strength(self) -> bool:
        """Whether customers choose a strength: staff allow it and the calibration painted each one."""
        from painter.calibrate import STRENGTHS

        return self.allow_strength and all(self.strength_examples.get(name) for name in STRENGTHS)


class SamplePhoto(models.Model):
    """A photo staff keep for test renders: the cases that make or break a style (small faces,
    landscapes, flowers). Stored privately like customers' photos."""

    title = models.CharField(_("title"), max_length=120, blank=True)
    image = models.FileField(_("photo"), upload_to="samples/", max_length=200)
    width = models.PositiveIntegerField(_("width (px)"), default=0)
    height = models.PositiveIntegerField(_("height (px)"), default=0)
    active = models.BooleanField(_("used in test renders"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ("position", "id")
        verbose_name = _("sample photo")
        verbose_name_plural = _("sample photos")

    def __str__(self) -> str:
        return self.title or f"sample {self.pk}"


class StyleTrial(models.Model):
    """A test render: one recipe of one style painted on the sample photos at a small size."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Kind(models.TextChoices):
        RENDER = "render", _("Test render")
        # A ladder of style weights on the sample photos (painter.calibrate); its images are the rungs.
        CALIBRATION = "calibration", _("Calibration")

    style = models.ForeignKey(Style, on_delete=models.CASCADE, related_name="trials", verbose_name=_("style"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.RENDER)
    # A calibration's outcome (painter.calibrate.Calibration.to_dict, without the images).
    ladder = models.JSONField(_("calibration ladder"), default=dict, blank=True)
    label = models.CharField(_("label"), max_length=120, blank=True)
    # The recipe as staff wrote it (what "use this recipe" copies to the style); the worker paints it
    # with the passes scaled down to `max_size` (styles.services.trial_recipe).
    recipe = models.JSONField(_("render recipe"), default=dict)
    max_size = models.PositiveIntegerField(_("largest side (px)"), default=384)
    # Set by picmatix_setup: when this test render is done, its painting becomes the style's example.
    adopt_as_example = models.BooleanField(_("becomes the style's example"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.CharField(_("requested by"), max_length=200, blank=True)
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    # When its message was last sent to the render queue (the reaper sends a lost one again).
    enqueued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    # Touched by the painting worker as it goes; the reaper fails a test render whose worker went
    # silent for longer than a render job's lease (styles.services.style_trials_reap).
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ("-id",)
        verbose_name = _("test render")
        verbose_name_plural = _("test renders")

    def __str__(self) -> str:
        return f"#{self.pk} {self.label}".strip()


class StyleTrialImage(models.Model):
    """One sample photo painted by a test render (empty until the worker gets to it)."""

    trial = models.ForeignKey(
        StyleTrial, on_delete=models.CASCADE, related_name="images", verbose_name=_("test render")
    )
    sample = models.ForeignKey(
        SamplePhoto, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("sample photo")
    )
    image = models.FileField(_("painting"), upload_to="trials/", blank=True, max_length=200)
    width = models.PositiveIntegerField(_("width (px)"), default=0)
    height = models.PositiveIntegerField(_("height (px)"), default=0)
    seconds = models.FloatField(_("render time (s)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    # A calibration's rung: the style weights' multiplier and what painter.score.stylisation measured.
    multiplier = models.FloatField(_("style weight multiplier"), null=True, blank=True)
    measure = models.JSONField(_("measure"), default=dict, blank=True)

    class Meta:
        ordering = ("id",)
        verbose_name = _("painted sample photo")
        verbose_name_plural = _("painted sample photos")

    def __str__(self) -> str:
        return f"test render {self.trial_id}, sample {self.sample_id}"
