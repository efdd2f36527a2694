"""waifu2x 2x upscaling with the upconv_7 photo models, read from their ncnn files.

The models are the ones shipped by nihui/waifu2x-ncnn-vulkan (folder models/models-upconv_7_photo/,
MIT licence, converted from nagadomi/waifu2x). Each model is a pair of files:

- ``<name>.param``: the ncnn text graph. upconv_7 is 6 x (Convolution 3x3, no padding, LeakyReLU 0.1)
  with 16, 32, 64, 128, 128, 256 output channels, then Deconvolution 4x4, stride 2, pad 3, to 3 channels.
  With no padding anywhere, an input of size n gives an output of size 2 * (n - 14): the net eats 7
  pixels of context per side of its input.
- ``<name>.bin``: for each layer in order, a 4-byte little-endian tag (0x01306B47: float16 weights follow;
  0: float32 weights follow), the weights, then the bias as raw float32 with no tag.

The files are parsed and validated here, and the net runs as plain PyTorch; ncnn itself is only used by
the tests, as the reference.

The image runs in tiles so that the upscale's memory stays bounded whatever the image's size; a tile
much smaller gains no memory worth having, and a much larger one is slower.
"""

from __future__ import annotations

import hashlib
import http.client
import itertools
import os
import shutil
import tempfile
import threading
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from . import settings
from .cachedir import downloads_allowed, model_cache_dir
from .errors import EngineError

__all__ = [
    "CONTEXT",
    "DOWNLOAD_BASE_URL",
    "MODEL_COMMIT",
    "MODEL_SHA256",
    "NcnnLayer",
    "NcnnParam",
    "Upconv7",
    "Waifu2xModelError",
    "Waifu2xModelsMissing",
    "cached_upconv7",
    "default_cache_dir",
    "load_upconv7",
    "model_files",
    "read_param",
    "upscale_2x",
    "upscale_tensor",
]

#: Pixels of input context the net consumes per side (6 valid 3x3 convs, then the deconv's pad 3 at 2x).
CONTEXT = 7
#: The commit of nihui/waifu2x-ncnn-vulkan the files are fetched from: pinned, so that the URLs below
#: always serve the bytes whose hashes follow, whatever happens to the repository's default branch.
MODEL_COMMIT = "64914665c45893135c9e50c1c296170a121b9f77"
#: Raw file URLs of the public repository the model files come from, at that commit.
DOWNLOAD_BASE_URL = (
    f"https://raw.githubusercontent.com/nihui/waifu2x-ncnn-vulkan/{MODEL_COMMIT}/models/models-upconv_7_photo/"
)
#: SHA-256 of every file at MODEL_COMMIT: a download with any other content is refused, never placed.
MODEL_SHA256 = {
    "scale2.0x_model.param": "413195ffde05b4d43807792c6c020c916cecdf25dcf002ee83f5e28d5cc246c6",
    "scale2.0x_model.bin": "25a2bb25b29e43e63179aac216cd87690791243a436328506d4ef9fca88ee962",
    "noise0_scale2.0x_model.param": "413195ffde05b4d43807792c6c020c916cecdf25dcf002ee83f5e28d5cc246c6",
    "noise0_scale2.0x_model.bin": "fbfc8d57e4333748c9c6db2ec4d5454c98cd1c6aa53289f2989c3bdb4e84b673",
    "noise1_scale2.0x_model.param": "413195ffde05b4d43807792c6c020c916cecdf25dcf002ee83f5e28d5cc246c6",
    "noise1_scale2.0x_model.bin": "9f8ce2c4df1ed862a7441e3b49ad965b8e34aaa6d87c1cad52a1768210fdfee6",
    "noise2_scale2.0x_model.param": "413195ffde05b4d43807792c6c020c916cecdf25dcf002ee83f5e28d5cc246c6",
    "noise2_scale2.0x_model.bin": "432ca8f62ffc4873794a399ded70b17af23aa870b25e5ddba76f029b7ce14c2b",
    "noise3_scale2.0x_model.param": "413195ffde05b4d43807792c6c020c916cecdf25dcf002ee83f5e28d5cc246c6",
    "noise3_scale2.0x_model.bin": "a24379eb4e954005da1804223f428e67340e3f0037e4f7b9f568f0d0f20e9f20",
}
#: Sub-folder of the model cache that holds the files.
CACHE_SUBDIR = Path("waifu2x") / "upconv_7_photo"

_PARAM_MAGIC = 7767517  # first line of every ncnn .param text file
_TAG_FP16 = 0x01306B47  # .bin tag: the weights that follow are float16
_TAG_FP32 = 0x00000000  # .bin tag: the weights that follow are raw float32
# Channels: the input, then the output of each 3x3 conv.
_CONV_CHANNELS = (3, 16, 32, 64, 128, 128, 256)
_OUT_CHANNELS = 3
_LEAKY_SLOPE = 0.1
_DOWNLOAD_TIMEOUT_S = 60.0


class Waifu2xModelsMissing(EngineError):
    """The waifu2x model files are not where the engine looked, and could not be downloaded."""


class Waifu2xModelError(EngineError):
    """A waifu2x .param or .bin file is malformed or does not describe an upconv_7 net."""


# --------------------------------------------------------------------------------------------------
# Locating (and optionally downloading) the model files


def _model_name(noise: int | None) -> str:
    if noise is None:
        return "scale2.0x_model"
    if isinstance(noise, bool) or not isinstance(noise, int) or not 0 <= noise <= 3:
        raise ValueError(f"waifu2x noise level must be None or an int in 0..3, got {noise!r}")
    return f"noise{noise}_scale2.0x_model"


def default_cache_dir() -> Path:
    """The folder downloads go to: ``$PICMATIX_MODEL_CACHE`` (default ~/.cache/picmatix)/waifu2x/upconv_7_photo."""
    return model_cache_dir() / CACHE_SUBDIR


def model_files(
    noise: int | None,
    model_dir: str | os.PathLike[str] | None = None,
    *,
    download: bool | None = None,
) -> tuple[Path, Path]:
    """Return ``(param_path, bin_path)`` of the upconv_7 photo model for ``noise``.

    ``noise`` None is the scale-only model, 0..3 the denoise-and-scale ones. The folder is ``model_dir``,
    else ``$PICMATIX_WAIFU2X_DIR``, else the cache folder (:func:`default_cache_dir`). Only the cache
    folder is ever downloaded into (a configured folder may well be read-only), and only when ``download``
    is true or, when it is None, ``$PICMATIX_ALLOW_DOWNLOADS=1``.
    """
    name = _model_name(noise)
    configured = model_dir if model_dir is not None else settings.waifu2x_dir()
    folder = Path(configured).expanduser() if configured is not None else default_cache_dir()
    param_path, bin_path = folder / f"{name}.param", folder / f"{name}.bin"
    if param_path.is_file() and bin_path.is_file():
        return param_path, bin_path

    if configured is None and downloads_allowed(download):
        _download_model(name, folder)
        return param_path, bin_path

    origin = "model_dir argument" if model_dir is not None else "PICMATIX_WAIFU2X_DIR"
    where = f"{folder} (from the {origin})" if configured is not None else f"the model cache {folder}"
    raise Waifu2xModelsMissing(
        f"waifu2x model files {name}.param/.bin not found in {where}. "
        "Put the upconv_7 photo models of nihui/waifu2x-ncnn-vulkan "
        "(models/models-upconv_7_photo/) in a folder and set PICMATIX_WAIFU2X_DIR to it, "
        "or configure no folder and allow downloads (download=True or PICMATIX_ALLOW_DOWNLOADS=1) "
        f"to fetch them from {DOWNLOAD_BASE_URL} into the cache "
        "(PICMATIX_MODEL_CACHE, default ~/.cache/picmatix)."
    )


def _fetch_to_temp(url: str, folder: Path, final_name: str) -> Path:
    """Stream ``url`` into a temp file next to its final place; the caller renames it into place."""
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{final_name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with (
            os.fdopen(fd, "wb") as out,
            urllib.request.urlopen(url, timeout=_DOWNLOAD_TIMEOUT_S) as resp,
        ):
            shutil.copyfileobj(resp, out)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _check_sha256(path: Path, file_name: str) -> None:
    """Refuse a downloaded file whose content is not the pinned one (tampered, truncated, or moved on)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    expected = MODEL_SHA256[file_name]
    if digest.hexdigest() != expected:
        raise Waifu2xModelError(
            f"downloaded {file_name} has SHA-256 {digest.hexdigest()}, expected {expected} (the file at "
            f"commit {MODEL_COMMIT}); it was refused and not placed in the cache"
        )


def _download_model(name: str, folder: Path) -> None:
    """Download ``name``.param/.bin into ``folder`` atomically.

    Each file goes to a temp file in the same folder, is checked, then renamed into place, so a reader
    (or another worker downloading concurrently) sees either no file or a whole one.
    """
    temps: list[Path] = []
    try:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp_param = _fetch_to_temp(DOWNLOAD_BASE_URL + f"{name}.param", folder, f"{name}.param")
            temps.append(tmp_param)
            tmp_bin = _fetch_to_temp(DOWNLOAD_BASE_URL + f"{name}.bin", folder, f"{name}.bin")
            temps.append(tmp_bin)
        except (OSError, http.client.HTTPException) as exc:  # URLError is an OSError
            raise Waifu2xModelsMissing(
                f"waifu2x model {name} is not in the cache {folder} and downloading it from "
                f"{DOWNLOAD_BASE_URL} failed: {exc}. Download the files by hand into that folder, "
                "or set PICMATIX_WAIFU2X_DIR to a folder that has them."
            ) from exc
        # Refuse to place a tampered, truncated or foreign download: each file must be the pinned one,
        # the .param an upconv_7 graph and the .bin exactly as long as that graph needs.
        _check_sha256(tmp_param, f"{name}.param")
        _check_sha256(tmp_bin, f"{name}.bin")
        param = read_param(tmp_param)
        expected = param.expected_bin_sizes()
        size = tmp_bin.stat().st_size
        if size not in expected:
            raise Waifu2xModelError(
                f"downloaded {name}.bin is {size} bytes, expected {' or '.join(map(str, sorted(expected)))}"
            )
        # The .bin goes first so that a present .param always has its .bin next to it.
        os.replace(tmp_bin, folder / f"{name}.bin")
        os.replace(tmp_param, folder / f"{name}.param")
        temps.clear()
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)


# --------------------------------------------------------------------------------------------------
# Parsing the ncnn files


@dataclass(frozen=True)
class NcnnLayer:
    """One line of a .param file: ``type name n_bottoms n_tops bottoms... tops... key=value...``."""

    type: str
    name: str
    bottoms: tuple[str, ...]
    tops: tuple[str, ...]
    params: dict[int, int | float | tuple[int | float, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class NcnnParam:
    """A validated upconv_7 graph: the input and output blob names and the 7 weighted layers."""

    path: Path
    input_blob: str
    output_blob: str
    layers: tuple[NcnnLayer, ...]  # the 6 convolutions then the deconvolution

    def weight_counts(self) -> list[tuple[int, int]]:
        """(weights, biases) element counts of each weighted layer, in file order."""
        return [(int(_scalar(layer, 6)), int(_scalar(layer, 0))) for layer in self.layers]

    def expected_bin_sizes(self) -> set[int]:
        """Exact .bin sizes this graph accepts: all-float16 weights, or all-float32 weights."""
        counts = self.weight_counts()
        fp16 = sum(4 + 2 * w + 4 * b for w, b in counts)
        fp32 = sum(4 + 4 * w + 4 * b for w, b in counts)
        return {fp16, fp32}


def _parse_value(text: str) -> int | float:
    return float(text) if any(c in text for c in ".eE") else int(text)


def _scalar(layer: NcnnLayer, key: int) -> int | float:
    value = layer.params[key]
    assert not isinstance(value, tuple)
    return value


def _parse_layer(line: str, path: Path, lineno: int) -> NcnnLayer:
    parts = line.split()
    where = f"{path}:{lineno}"
    try:
        n_bottoms, n_tops = int(parts[2]), int(parts[3])
    except (IndexError, ValueError):
        raise Waifu2xModelError(f"{where}: not an ncnn layer line: {line!r}") from None
    blobs_end = 4 + n_bottoms + n_tops
    if len(parts) < blobs_end:
        raise Waifu2xModelError(f"{where}: layer line lists fewer blobs than it declares: {line!r}")
    params: dict[int, int | float | tuple[int | float, ...]] = {}
    for item in parts[blobs_end:]:
        key_text, sep, value_text = item.partition("=")
        try:
            key = int(key_text)
            if not sep:
                raise ValueError
            if key <= -23300:
                # Array parameter: the key is -23300 - id and the value is "count,v1,v2,...".
                count, *values = (_parse_value(v) for v in value_text.split(","))
                if count != len(values):
                    raise ValueError
                params[-23300 - key] = tuple(values)
            else:
                params[key] = _parse_value(value_text)
        except ValueError:
            raise Waifu2xModelError(f"{where}: malformed parameter {item!r}") from None
    return NcnnLayer(
        type=parts[0],
        name=parts[1],
        bottoms=tuple(parts[4 : 4 + n_bottoms]),
        tops=tuple(parts[4 + n_bottoms : blobs_end]),
        params=params,
    )


# Expected parameters (ncnn ids) after defaults, and the defaults ncnn applies to absent keys.
# Convolution / Deconvolution ids: 0 num_output, 1 kernel_w, 11 kernel_h, 2/12 dilation, 3/13 stride,
# 4/14/15/16 pad left/top/right/bottom, 5 bias_term, 6 weight_data_size, 9 activation_type (2 = LeakyReLU),
# 10 activation_params (array), 8 int8_scale_term.
def _expected_conv(c_in: int, c_out: int) -> dict[int, object]:
    return {0: c_out, 1: 3, 11: 3, 2: 1, 12: 1, 3: 1, 13: 1, 4: 0, 14: 0, 15: 0, 16: 0, 5: 1,
            6: c_out * c_in * 9, 8: 0, 9: 2, 10: (_LEAKY_SLOPE,)}  # fmt: skip


def _expected_deconv(c_in: int) -> dict[int, object]:
    return {0: _OUT_CHANNELS, 1: 4, 11: 4, 2: 1, 12: 1, 3: 2, 13: 2, 4: 3, 14: 3, 15: 3, 16: 3, 5: 1,
            6: _OUT_CHANNELS * c_in * 16, 8: 0, 9: 0, 10: (), 18: 0, 19: 0, 20: 0, 21: 0}  # fmt: skip


def _with_defaults(layer: NcnnLayer) -> dict[int, object]:
    p: dict[int, object] = dict(layer.params)
    # kernel_h defaults to kernel_w, and so on for each pair below.
    p.setdefault(11, p.get(1))
    p.setdefault(2, 1)
    p.setdefault(12, p[2])
    p.setdefault(3, 1)
    p.setdefault(13, p[3])
    p.setdefault(4, 0)
    p.setdefault(14, p[4])
    p.setdefault(15, p[4])
    p.setdefault(16, p[14])
    p.setdefault(5, 0)
    p.setdefault(8, 0)
    p.setdefault(9, 0)
    p.setdefault(10, ())
    if layer.type == "Deconvolution":
        for key in (18, 19, 20, 21):  # output padding and forced output size: none
            p.setdefault(key, 0)
    return p


def _check_layer(layer: NcnnLayer, expected: dict[int, object], where: str) -> None:
    actual = _with_defaults(layer)
    unknown = sorted(set(actual) - set(expected))
    if unknown:
        raise Waifu2xModelError(f"{where}: layer {layer.name} has unsupported parameters {unknown}")
    for key, want in expected.items():
        got = actual.get(key)
        if isinstance(want, tuple):
            ok = (
                isinstance(got, tuple)
                and len(got) == len(want)
                and all(abs(float(g) - float(w)) < 1e-6 for g, w in zip(got, want, strict=True))
            )
        else:
            ok = got == want
        if not ok:
            raise Waifu2xModelError(
                f"{where}: layer {layer.name} ({layer.type}) has parameter {key}={got!r}, upconv_7 needs {want!r}"
            )


def read_param(path: str | os.PathLike[str]) -> NcnnParam:
    """Parse an ncnn .param file and check it is exactly the upconv_7 graph."""
    path = Path(path)
    try:
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        raise Waifu2xModelError(f"cannot read waifu2x param file {path}: {exc}") from exc
    if not lines or lines[0] != str(_PARAM_MAGIC):
        raise Waifu2xModelError(f"{path} is not an ncnn .param file (first line must be {_PARAM_MAGIC})")
    try:
        layer_count = int(lines[1].split()[0])
    except (IndexError, ValueError):
        raise Waifu2xModelError(f"{path}:2: expected '<layer count> <blob count>'") from None
    layers = [_parse_layer(line, path, i + 3) for i, line in enumerate(lines[2:])]
    if layer_count != len(layers) or len(layers) != 1 + len(_CONV_CHANNELS):
        raise Waifu2xModelError(
            f"{path}: expected the 8 layers of upconv_7 (Input, 6 Convolution, Deconvolution), "
            f"found {len(layers)} (header says {layer_count})"
        )

    first, weighted = layers[0], layers[1:]
    want_types = ["Convolution"] * (len(_CONV_CHANNELS) - 1) + ["Deconvolution"]
    if first.type != "Input" or [layer.type for layer in weighted] != want_types:
        raise Waifu2xModelError(
            f"{path}: layer types are {[layer.type for layer in layers]}, upconv_7 needs {['Input', *want_types]}"
        )
    if len(first.tops) != 1 or first.params.get(2, _CONV_CHANNELS[0]) != _CONV_CHANNELS[0]:
        raise Waifu2xModelError(f"{path}: the Input layer must have one 3-channel blob")
    blob = first.tops[0]
    for i, layer in enumerate(weighted):
        where = f"{path}:{i + 4}"
        if layer.bottoms != (blob,) or len(layer.tops) != 1:
            raise Waifu2xModelError(f"{where}: layer {layer.name} must read blob {blob!r} and write one blob")
        blob = layer.tops[0]
        c_in = _CONV_CHANNELS[i]
        if layer.type == "Convolution":
            expected = _expected_conv(c_in, _CONV_CHANNELS[i + 1])
        else:
            expected = _expected_deconv(c_in)
        _check_layer(layer, expected, where)
    return NcnnParam(path=path, input_blob=first.tops[0], output_blob=blob, layers=tuple(weighted))


def _read_bin(path: Path, param: NcnnParam) -> list[tuple[np.ndarray, np.ndarray]]:
    """Read the (weights, bias) arrays of each layer, as float32, checking tags and the exact size."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise Waifu2xModelError(f"cannot read waifu2x weights file {path}: {exc}") from exc
    sizes = " or ".join(map(str, sorted(param.expected_bin_sizes())))
    offset = 0
    arrays: list[tuple[np.ndarray, np.ndarray]] = []

    def take(count: int, dtype: str, what: str) -> np.ndarray:
        nonlocal offset
        nbytes = count * np.dtype(dtype).itemsize
        if offset + nbytes > len(data):
            raise Waifu2xModelError(
                f"{path} is truncated: it ends at byte {len(data)} inside {what} "
                f"(a complete file for {param.path.name} is {sizes} bytes)"
            )
        out = np.frombuffer(data, dtype=dtype, count=count, offset=offset).astype(np.float32)
        offset += nbytes
        return out

    for layer, (n_weights, n_bias) in zip(param.layers, param.weight_counts(), strict=True):
        if offset + 4 > len(data):
            raise Waifu2xModelError(
                f"{path} is truncated: it ends at byte {len(data)} before the tag of layer {layer.name} "
                f"(a complete file for {param.path.name} is {sizes} bytes)"
            )
        tag = int.from_bytes(data[offset : offset + 4], "little")
        offset += 4
        if tag == _TAG_FP16:
            weights = take(n_weights, "<f2", f"the weights of layer {layer.name}")
        elif tag == _TAG_FP32:
            weights = take(n_weights, "<f4", f"the weights of layer {layer.name}")
        else:
            raise Waifu2xModelError(
                f"{path}: layer {layer.name} has weight tag 0x{tag:08X} at byte {offset - 4}; "
                f"expected 0x{_TAG_FP16:08X} (float16) or 0x{_TAG_FP32:08X} (float32): wrong or corrupt file"
            )
        # The bias is stored as raw float32 with no tag (ncnn loads it with type 1).
        bias = take(n_bias, "<f4", f"the bias of layer {layer.name}")
        if not (np.isfinite(weights).all() and np.isfinite(bias).all()):
            raise Waifu2xModelError(f"{path}: layer {layer.name} has non-finite weights: corrupt file")
        arrays.append((weights, bias))
    if offset != len(data):
        raise Waifu2xModelError(
            f"{path} has {len(data) - offset} bytes after the last layer (expected {sizes} bytes in all): "
            "it does not belong to this .param"
        )
    return arrays


# --------------------------------------------------------------------------------------------------
# The network


class Upconv7(nn.Module):
    """waifu2x upconv_7: an input of size (N, 3, H, W) gives (N, 3, 2 * (H - 14), 2 * (W - 14)), unclamped."""

    def __init__(self) -> None:
        super().__init__()
        self.convs = nn.ModuleList(
            nn.Conv2d(c_in, c_out, kernel_size=3, padding=0) for c_in, c_out in itertools.pairwise(_CONV_CHANNELS)
        )
        self.deconv = nn.ConvTranspose2d(_CONV_CHANNELS[-1], _OUT_CHANNELS, kernel_size=4, stride=2, padding=3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for conv in self.convs:
            x = F.leaky_relu(conv(x), _LEAKY_SLOPE)
        return self.deconv(x)


def load_upconv7(param_path: str | os.PathLike[str], bin_path: str | os.PathLike[str]) -> Upconv7:
    """Build an :class:`Upconv7` (eval mode, no gradients) from an ncnn .param/.bin pair."""
    param = read_param(param_path)
    arrays = _read_bin(Path(bin_path), param)
    model = Upconv7()
    with torch.no_grad():
        convs = [conv for conv in model.convs if isinstance(conv, nn.Conv2d)]
        for conv, (weights, bias) in zip(convs, arrays[:-1], strict=True):
            assert conv.bias is not None
            # ncnn Convolution weights are (out, in, kh, kw), the same as torch's Conv2d.
            conv.weight.copy_(torch.from_numpy(weights).view_as(conv.weight))
            conv.bias.copy_(torch.from_numpy(bias))
        weights, bias = arrays[-1]
        # ncnn Deconvolution stores (out, in, kh, kw) and scatters each input pixel through the kernel
        # unflipped (out[y*stride + ky - pad] += in[y] * k[ky]), which is exactly ConvTranspose2d's
        # arithmetic; torch just keeps the weight as (in, out, kh, kw). So: swap the first two axes, no
        # flip. Checked against ncnn itself (tests/test_waifu2x.py); a flip would be off by ~0.9.
        deconv_w = torch.from_numpy(weights).reshape(_OUT_CHANNELS, _CONV_CHANNELS[-1], 4, 4).transpose(0, 1)
        assert model.deconv.bias is not None
        model.deconv.weight.copy_(deconv_w)
        model.deconv.bias.copy_(torch.from_numpy(bias))
    model.requires_grad_(False)
    return model.eval()


_MODEL_CACHE: dict[tuple[str, str, str], tuple[tuple[int, int, int, int], Upconv7]] = {}
_MODEL_CACHE_LOCK = threading.Lock()


def cached_upconv7(
    param_path: str | os.PathLike[str],
    bin_path: str | os.PathLike[str],
    device: str | torch.device = "cpu",
) -> Upconv7:
    """:func:`load_upconv7` on ``device``, cached per (files, device); reloaded if a file changes on disk."""
    p, b = Path(param_path).resolve(), Path(bin_path).resolve()
    dev = torch.device(device)
    key = (str(p), str(b), str(dev))
    try:
        sp, sb = p.stat(), b.stat()
    except OSError as exc:
        raise Waifu2xModelError(f"cannot read waifu2x model files {p}, {b}: {exc}") from exc
    signature = (sp.st_mtime_ns, sp.st_size, sb.st_mtime_ns, sb.st_size)
    with _MODEL_CACHE_LOCK:
        hit = _MODEL_CACHE.get(key)
        if hit is not None and hit[0] == signature:
            return hit[1]
        model = load_upconv7(p, b).to(dev)
        _MODEL_CACHE[key] = (signature, model)
        return model


# --------------------------------------------------------------------------------------------------
# Tiled inference


def _tile_boxes(height: int, width: int, tile: int) -> Iterator[tuple[int, int, int, int]]:
    """(top, left, height, width) of the tiles covering the image, in image pixels."""
    if isinstance(tile, bool) or not isinstance(tile, int) or tile < 1:
        raise ValueError(f"tile must be a positive int, got {tile!r}")
    for top in range(0, height, tile):
        for left in range(0, width, tile):
            yield top, left, min(tile, height - top), min(tile, width - left)


def _run_tiles(
    model: Upconv7,
    height: int,
    width: int,
    tile: int,
    fetch: Callable[[int, int, int, int], torch.Tensor],
    store: Callable[[int, int, torch.Tensor], None],
) -> None:
    """Run ``model`` tile by tile.

    ``fetch(top, left, h, w)`` returns the (1, 3, h + 14, w + 14) input of a tile, taken from the image
    padded by CONTEXT pixels per side; the net's output is then exactly the (1, 3, 2h, 2w) block at
    (2 * top, 2 * left) of the whole image's output, which ``store`` receives. Every output pixel sees the
    same inputs whatever the tiling, so tiles only bound memory and do not change the result.
    """
    with torch.inference_mode():
        for top, left, h, w in _tile_boxes(height, width, tile):
            store(2 * top, 2 * left, model(fetch(top, left, h, w)))


def upscale_tensor(
    image: torch.Tensor,
    model: Upconv7,
    *,
    tile: int = 256,
) -> torch.Tensor:
    """Upscale a (3, H, W) float tensor in [0, 1] to (3, 2H, 2W), clamped to [0, 1], on its device.

    The border is extended by replicating edge pixels, as waifu2x does.
    """
    if image.ndim != 3 or image.shape[0] != 3:
        raise ValueError(f"expected a (3, H, W) tensor, got shape {tuple(image.shape)}")
    _, height, width = image.shape
    with torch.inference_mode():
        padded = F.pad(image.float()[None], (CONTEXT,) * 4, mode="replicate")
        out = torch.empty((3, 2 * height, 2 * width), dtype=torch.float32, device=image.device)

    def fetch(top: int, left: int, h: int, w: int) -> torch.Tensor:
        return padded[:, :, top : top + h + 2 * CONTEXT, left : left + w + 2 * CONTEXT]

    def store(top: int, left: int, y: torch.Tensor) -> None:
        out[:, top : top + y.shape[2], left : left + y.shape[3]] = y[0].clamp(0.0, 1.0)

    _run_tiles(model, height, width, tile, fetch, store)
    return out


def upscale_2x(
    image: Image.Image,
    *,
    noise: int | None,
    model_dir: str | os.PathLike[str] | None = None,
    tile: int = 256,
    device: str | torch.device = "cpu",
) -> Image.Image:
    """Upscale ``image`` 2x with waifu2x upconv_7 photo (denoise level ``noise``; None: scale only).

    Returns an 8-bit RGB image of exactly twice the size; alpha is dropped. Memory stays bounded by
    ``tile`` (in input pixels): the image is only held as 8-bit, and each tile is converted to float on
    ``device``, run, and quantised back into the 8-bit result.
    """
    param_path, bin_path = model_files(noise, model_dir)
    model = cached_upconv7(param_path, bin_path, device)
    dev = torch.device(device)
    rgb = np.asarray(image if image.mode == "RGB" else image.convert("RGB"), dtype=np.uint8)
    height, width = rgb.shape[:2]
    if height == 0 or width == 0:
        raise ValueError("cannot upscale an empty image")
    padded = np.pad(rgb, ((CONTEXT, CONTEXT), (CONTEXT, CONTEXT), (0, 0)), mode="edge")
    out = np.empty((2 * height, 2 * width, 3), dtype=np.uint8)

    def fetch(top: int, left: int, h: int, w: int) -> torch.Tensor:
        block = np.ascontiguousarray(padded[top : top + h + 2 * CONTEXT, left : left + w + 2 * CONTEXT])
        # Move 8-bit data to the device, then convert: 4x less to transfer.
        x = torch.from_numpy(block).to(dev).permute(2, 0, 1)[None]
        return x.float() / 255.0

    def store(top: int, left: int, y: torch.Tensor) -> None:
        q = (y[0].clamp(0.0, 1.0) * 255.0).round().to(torch.uint8).permute(1, 2, 0).cpu().numpy()
        out[top : top + q.shape[0], left : left + q.shape[1]] = q

    _run_tiles(model, height, width, tile, fetch, store)
    return Image.fromarray(out)
