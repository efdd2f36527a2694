"""A painting's score without a person: a recipe's own objective, evaluated once on any image.

For each pass of the recipe, the image is scaled to that pass's size and measured against the photo and
the paintings exactly as the pass measures its own image (same targets, layers, weights and
normalisations): content, style and total-variation loss. Under the ``seed`` recipe that is its
350 px objective (the large strokes pass 1 makes) and its 960 px one (pass 2's detail). Lower is
better; two images score comparably only under the same recipe, photo and paintings.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from PIL import Image

from . import colours
from .images import pil_to_tensor, tensor_to_pil
from .losses import LossTerms, content_targets
from .pipeline import feature_network, painted_photo, resolve_device
from .precision import full_precision
from .recipe import PassSpec, Recipe, recipe_preset
from .speed import backend_for
from .transfer import PassTargets, pass_targets
from .vgg import FeatureNet, WeightSource, default_source

__all__ = ["PassScore", "Stylisation", "colour_closed", "score_image", "stylisation"]


@dataclass(frozen=True)
class PassScore:
    """The objective of pass ``pass_index`` (from 0) on the image scaled to ``size`` (width, height)."""

    pass_index: int
    size: tuple[int, int]
    content: float
    style: float
    tv: float
    total: float

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["size"] = list(self.size)
        return data


def _at_size(output: Image.Image | torch.Tensor, size: tuple[int, int], device: torch.device) -> torch.Tensor:
    """``output`` as (1, 3, H, W) RGB in [0, 1] at ``size``: Lanczos for images, as the passes size the
    photo; antialiased bilinear for tensors. An image already at that size is used as it is."""
    width, height = size
    if isinstance(output, Image.Image):
        image = output.convert("RGB")
        if image.size != size:
            image = image.resize(size, Image.Resampling.LANCZOS)
        return pil_to_tensor(image, device)
    rgb = output.detach().to(device=device, dtype=torch.float32)
    if rgb.ndim == 3:
        rgb = rgb[None]
    if tuple(rgb.shape[-2:]) != (height, width):
        rgb = F.interpolate(rgb, size=(height, width), mode="bilinear", align_corners=False, antialias=True)
    return rgb.clamp(0.0, 1.0)


def score_image(
    output: Image.Image | torch.Tensor,
    photo: Image.Image,
    styles: Sequence[Image.Image],
    recipe: Recipe | None = None,
    *,
    device: str = "auto",
    weights: str | None = None,
) -> list[PassScore]:
    """Each pass's objective of ``recipe`` (default: ``seed``) on ``output``, in the recipe's pass order.

    ``output`` is a PIL image or an RGB tensor in [0, 1], (1, 3, H, W) or (3, H, W), of any size: it is
    scaled to each pass's size (its aspect ratio should be the photo's). ``weights`` is the VGG-19
    source, as for render(); scores under different sources do not compare.
    """
    recipe = recipe if recipe is not None else recipe_preset("seed")
    source_name = weights or default_source()
    return [
        PassScore(
            pass_index=evaluated.index,
            size=evaluated.size,
            content=float(evaluated.terms.content),
            style=float(evaluated.terms.style),
            tv=float(evaluated.terms.tv),
            total=float(evaluated.terms.total),
        )
        for evaluated in _each_pass(output, photo, styles, recipe, device=device, source_name=source_name)
    ]


@dataclass
class _Evaluated:
    """One pass's objective evaluated on the image (painter.score's two measures share it)."""

    index: int
    spec: PassSpec
    size: tuple[int, int]
    net: FeatureNet
    source: WeightSource
    targets: PassTargets
    terms: LossTerms


def _each_pass(
    output: Image.Image | torch.Tensor,
    photo: Image.Image,
    styles: Sequence[Image.Image],
    recipe: Recipe,
    *,
    device: str,
    source_name: str,
) -> Iterator[_Evaluated]:
    """Each pass's targets and its objective's terms on ``output`` scaled to the pass's size. One
    evaluation per pass: the paths chosen for renders of this size, or the usual one; float32 whatever
    the recipe's tf32 and bf16 say, so that a score does not move with them (also while the caller
    evaluates more, inside the loop)."""
    paintings = [s.convert("RGB") for s in styles]
    photo = painted_photo(photo.convert("RGB"), paintings, recipe)
    dev = resolve_device(device)
    layers = {name for spec in recipe.passes for name in (*spec.content_layers, *spec.style_layers)}
    speed = backend_for(dev)
    net, source = feature_network(layers, source_name, dev)
    for index, spec in enumerate(recipe.passes):
        with speed.without_measuring(), full_precision():
            targets = pass_targets(net, source, spec, content=photo, styles=paintings, device=dev, tune=False)
            height, width = targets.photo.shape[-2:]
            rgb = _at_size(output, (width, height), dev)
            terms, _ = targets.objective(targets.network_input(source, rgb))
            yield _Evaluated(index, spec, (width, height), net, source, targets, terms)


@dataclass(frozen=True)
class Stylisation:
    """How much of the painting is in a painting, under one pass's objective (painter.score).

    ``style_closed``: of the style loss between the photo and the paintings (where a pass that starts
    from the photo starts), the share the image closes: 0 is the photo, 1 would be the paintings'
    style statistics exactly; negative when the image is further from them than the photo.
    ``content_change``: how far the image's content features moved from the photo's, relative to
    their size (root of the mean square difference over the root of the mean square of the
    photo's); 0 is the photo. Both are ratios, so they do not depend on the pass's weights, and they
    compare across photos, paintings and recipes at the same pass size. None where the pass has no
    style (or no content) term.

    ``colour_closed``: of the distance between the photo's colours and the paintings' (their mean and
    spread: painter.colours.colour_distance), the share the image closes; the same for every pass.
    Measured from the customer's photo, also where the recipe first moves its colours
    (``painting_colors``), while the other two measure against the photo the passes paint from. None
    where the photo's colours are already the paintings'.
    """

    pass_index: int
    size: tuple[int, int]
    style_closed: float | None
    content_change: float | None
    photo_style: float
    image_style: float
    colour_closed: float | None = None

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["size"] = list(self.size)
        return data


def stylisation(
    output: Image.Image | torch.Tensor,
    photo: Image.Image,
    styles: Sequence[Image.Image],
    recipe: Recipe | None = None,
    *,
    device: str = "auto",
    weights: str | None = None,
) -> list[Stylisation]:
    """Each pass's :class:`Stylisation` of ``output`` (arguments as :func:`score_image`)."""
    recipe = recipe if recipe is not None else recipe_preset("seed")
    colour = colour_closed(output, photo, styles, recipe)
    measures: list[Stylisation] = []
    for evaluated in _each_pass(output, photo, styles, recipe, device=device, source_name=weights or recipe.weights):
        spec, targets, source, image_terms = evaluated.spec, evaluated.targets, evaluated.source, evaluated.terms
        photo_input = targets.network_input(source, targets.photo)
        photo_terms, _ = targets.objective(photo_input)
        features = content_targets(evaluated.net, photo_input, spec.content_layers)
        energy = sum(float(f.pow(2).mean()) for f in features.values())
        closed = None
        if spec.style_layers and spec.style_weight > 0 and float(photo_terms.style) > 0:
            closed = 1.0 - float(image_terms.style) / float(photo_terms.style)
        change = None
        if spec.content_layers and spec.content_weight > 0 and energy > 0:
            change = (float(image_terms.content) / spec.content_weight / energy) ** 0.5
        measures.append(
            Stylisation(
                pass_index=evaluated.index,
                size=evaluated.size,
                style_closed=closed,
                content_change=change,
                photo_style=float(photo_terms.style),
                image_style=float(image_terms.style),
                colour_closed=colour,
            )
        )
    return measures


def colour_closed(
    output: Image.Image | torch.Tensor, photo: Image.Image, styles: Sequence[Image.Image], recipe: Recipe
) -> float | None:
    """:attr:`Stylisation.colour_closed` of ``output`` alone (no network needed)."""
    image = output if isinstance(output, Image.Image) else tensor_to_pil(output)
    return colours.colour_closed(image, photo, styles, recipe.passes[0].style_blend_weights)
