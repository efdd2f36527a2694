from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from picmatix.env import env_bool, env_choice, env_int, env_list, env_str, env_token


def test_missing_variables_take_their_defaults() -> None:
    environ: dict[str, str] = {}
    assert env_str("X", "d", environ=environ) == "d"
    assert env_bool("X", True, environ=environ) is True
    assert env_int("X", 7, environ=environ) == 7
    assert env_list("X", ["a"], environ=environ) == ["a"]


def test_values_are_parsed_strictly() -> None:
    environ = {"B": "Yes", "I": " 42 ", "L": "a, b,,c", "C": "S3"}
    assert env_bool("B", environ=environ) is True
    assert env_int("I", 0, environ=environ) == 42
    assert env_list("L", environ=environ) == ["a", "b", "c"]
    assert env_choice("C", "local", ("local", "s3"), environ=environ) == "s3"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda e: env_bool("B", environ=e), "B='maybe'"),
        (lambda e: env_int("I", 1, environ=e), "I='12x'"),
        (lambda e: env_int("N", 1, minimum=1, environ=e), "N=0: must be at least 1"),
        (lambda e: env_choice("C", "local", ("local", "s3"), environ=e), "C='ftp'"),
    ],
)
def test_a_bad_value_stops_the_process_with_its_name(call: Any, message: str) -> None:
    environ = {"B": "maybe", "I": "12x", "N": "0", "C": "ftp"}
    with pytest.raises(ImproperlyConfigured, match=message.replace("(", r"\(")):
        call(environ)


def test_a_token_may_be_left_unset() -> None:
    assert env_token("T", min_length=24, environ={}) == ""


def test_a_long_enough_token_is_read_as_given() -> None:
    assert env_token("T", min_length=24, environ={"T": " " + "a" * 24 + "\n"}) == "a" * 24


@pytest.mark.parametrize(
    ("value", "message"),
    [("a" * 23, "T: must be at least 24 characters"), ("a" * 12 + " " + "a" * 12, "T: must not contain spaces")],
)
def test_a_short_or_broken_token_stops_the_process(value: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        env_token("T", min_length=24, environ={"T": value})


def test_the_metrics_token_setting_is_read_strictly(load: Callable[..., dict[str, Any]]) -> None:
    with pytest.raises(ImproperlyConfigured, match="PICMATIX_METRICS_TOKEN: must be at least 24 characters"):
        load(PICMATIX_METRICS_TOKEN="guessable")
