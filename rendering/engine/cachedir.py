"""Where the engine keeps what it downloads or measures once per machine."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["model_cache_dir"]


def model_cache_dir() -> Path:
    """``$PICMATIX_MODEL_CACHE`` (default ~/.cache/picmatix): downloaded weights, measured choices."""
    return Path(os.environ.get("PICMATIX_MODEL_CACHE") or "~/.cache/picmatix").expanduser()
