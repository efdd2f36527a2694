"""core/checks.py: the checks tagged OPERATOR are the set-up notices staff see, unless silenced
(which notices each app registers: picmatix/tests/test_error_pages.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from django.core.checks import CheckMessage, Info
from django.core.checks.registry import registry

from core.checks import OPERATOR, operator_notices

if TYPE_CHECKING:
    from pytest_django.fixtures import Settings


def notice(**kwargs: Any) -> list[CheckMessage]:
    return [Info("Payments are off.", hint="Set STRIPE_SECRET_KEY.", id="coretests.I001")]


def other_check(**kwargs: Any) -> list[CheckMessage]:
    return [Info("Not for staff.", id="coretests.I002")]


@pytest.fixture(autouse=True)
def registered() -> Iterator[None]:
    registry.register(notice, OPERATOR)
    registry.register(other_check, "coretests")
    yield
    registry.registered_checks.discard(notice)
    registry.registered_checks.discard(other_check)


def notice_ids() -> set[str | None]:
    return {message.id for message in operator_notices()}


def test_a_check_tagged_operator_is_a_notice() -> None:
    assert "coretests.I001" in notice_ids()


def test_a_check_without_the_tag_is_not() -> None:
    assert "coretests.I002" not in notice_ids()


def test_a_silenced_notice_is_not_shown(settings: Settings) -> None:
    settings.SILENCED_SYSTEM_CHECKS = ["coretests.I001"]
    assert "coretests.I001" not in notice_ids()
