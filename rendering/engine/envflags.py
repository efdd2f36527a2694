"""On/off switches the engine reads from the environment (its own: it cannot use the project's
settings helpers, which need Django)."""

from __future__ import annotations

import os

__all__ = ["env_flag"]

_ON = {"1", "true", "yes", "on"}
_OFF = {"0", "false", "no", "off"}


def env_flag(name: str, *, default: bool) -> bool:
    """``$name`` as a switch: 1/true/yes/on or 0/false/no/off (any case); unset or anything else is
    ``default``."""
    value = os.environ.get(name, "").strip().lower()
    if value in _ON:
        return True
    if value in _OFF:
        return False
    return default
