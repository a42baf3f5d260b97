import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.slack.api_errors import classify
from conversations.ports import PermanentError, TransientError


def _error(
    status: int, body: dict[str, object], headers: dict[str, str] | None = None
) -> SlackApiError:
    response = AsyncSlackResponse(
        client=AsyncWebClient(),
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data=body,
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError("failed", response)


@pytest.mark.parametrize(
    "code",
    [
        "user_not_found",
        "account_inactive",
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "token_revoked",
    ],
)
def test_refusals_are_permanent(code: str) -> None:
    failure = classify(_error(200, {"ok": False, "error": code}))
    assert isinstance(failure, PermanentError)
    assert str(failure) == code


def test_ratelimited_is_transient_with_retry_after() -> None:
    failure = classify(_error(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "7"}))
    assert isinstance(failure, TransientError)
    assert failure.retry_after == 7.0


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_transient(status: int) -> None:
    assert isinstance(
        classify(_error(status, {"ok": False, "error": "fatal_error"})), TransientError
    )


def test_network_errors_and_timeouts_are_transient() -> None:
    assert isinstance(classify(aiohttp.ClientConnectionError()), TransientError)
    assert isinstance(classify(TimeoutError()), TransientError)


def test_unexpected_errors_carry_only_their_type() -> None:
    failure = classify(ValueError("Journal: I feel stuck with my manager"))
    assert isinstance(failure, TransientError)
    assert str(failure) == "ValueError"


def test_a_body_that_is_not_an_error_code_is_not_passed_on() -> None:
    failure = classify(_error(200, {"ok": False, "error": "<html>Journal: stuck</html>"}))
    assert str(failure) == "http_200"
    failure = classify(_error(502, {"ok": False, "error": {"text": "Journal: stuck"}}))
    assert isinstance(failure, TransientError)
    assert str(failure) == "http_502"
