"""Exceptions raised by the rendering engine.

Every message is written for an operator: it says what went wrong and, where possible, how to fix it.
"""

from __future__ import annotations


class EngineError(Exception):
    """Base class of every error the engine raises on purpose."""


class WeightsNotFound(EngineError):
    """The VGG-19 weights of the requested source are not available."""


class ImageError(EngineError):
    """An input image cannot be read or has unusable dimensions."""


class InsufficientMemory(EngineError):
    """A pass would not fit in the memory of the chosen device.

    ``transient``: measured against the memory free at that moment, which another process may give
    back, so a later try may fit; False against a configured limit, which no wait changes."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class RecipeError(EngineError, ValueError):
    """A recipe is invalid; the message names the offending field path, e.g. ``passes[1].size: ...``."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}" if path else problem)
        self.path = path
        self.problem = problem

    def within(self, prefix: str) -> RecipeError:
        """The same error, seen from the containing object (``size`` -> ``passes[1].size``)."""
        return RecipeError(f"{prefix}.{self.path}" if self.path else prefix, self.problem)


class RenderCancelled(EngineError):
    """The progress callback asked to stop the render."""
