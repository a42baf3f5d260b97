"""Teams' answers as the dispatcher's errors: what is retried, after how long, and what is
given up (and told to the coordinator)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from bot.teams.delivery import NOT_INSTALLED, classify
from conversations.ports import PermanentError, TransientError


@dataclass
class Response:  # as the Bot Connector client's exception holds it (requests' Response)
    status_code: int
    headers: dict[str, str] = field(default_factory=dict)


class HttpOperationError(Exception):
    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.response = Response(status, headers or {})


def test_429_is_retried_after_what_teams_says() -> None:
    error = classify(HttpOperationError(429, {"Retry-After": "7"}))
    assert isinstance(error, TransientError)
    assert error.retry_after == 7.0


@pytest.mark.parametrize("status", [412, 500, 502, 503, 504])
def test_a_busy_or_failing_service_is_retried(status: int) -> None:
    assert isinstance(classify(HttpOperationError(status)), TransientError)


def test_403_is_given_up_with_what_to_do_about_it() -> None:
    error = classify(HttpOperationError(403))
    assert isinstance(error, PermanentError)
    assert str(error) == NOT_INSTALLED
    assert "install" in str(error)


def test_a_lost_connection_is_retried_and_an_unknown_error_is_not() -> None:
    assert isinstance(classify(ConnectionResetError()), TransientError)
    assert isinstance(classify(ValueError("bad card")), PermanentError)
