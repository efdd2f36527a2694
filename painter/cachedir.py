"""Where the engine keeps what it downloads or measures once per machine."""

from __future__ import annotations

from pathlib import Path

from . import settings

__all__ = ["downloads_allowed", "model_cache_dir"]


def model_cache_dir() -> Path:
    """``$PICMATIX_MODEL_CACHE`` (default ~/.cache/picmatix): downloaded weights, measured choices."""
    return settings.model_cache()


def downloads_allowed(download: bool | None = None) -> bool:
    """Downloads (VGG-19 weights, waifu2x models) happen only when asked for, or when
    ``$PICMATIX_ALLOW_DOWNLOADS=1``."""
    if download is not None:
        return download
    return settings.allow_downloads()
