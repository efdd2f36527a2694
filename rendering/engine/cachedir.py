"""Where the engine keeps what it downloads or measures once per machine."""

from __future__ import annotations

import os
from pathlib import Path

from .envflags import env_flag

__all__ = ["downloads_allowed", "model_cache_dir"]


def model_cache_dir() -> Path:
    """``$PICMATIX_MODEL_CACHE`` (default ~/.cache/picmatix): downloaded weights, measured choices."""
    return Path(os.environ.get("PICMATIX_MODEL_CACHE") or "~/.cache/picmatix").expanduser()


def downloads_allowed(download: bool | None = None) -> bool:
    """Downloads (VGG-19 weights, waifu2x models) happen only when asked for, or when
    ``$PICMATIX_ALLOW_DOWNLOADS=1``."""
    if download is not None:
        return download
    return env_flag("PICMATIX_ALLOW_DOWNLOADS", default=False)
