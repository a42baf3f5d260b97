"""Slack Web API failures sorted into the core's two kinds: worth retrying, or not.

The error's text is only ever a Slack error code (``channel_not_found``), ``http_<status>``
or an exception's type name: never a response body or an exception's message, which could
hold what someone wrote. That text reaches the log, the outbox's error column and the note a
coordinator gets.
"""

from __future__ import annotations

import asyncio
import re

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError

from conversations.ports import PermanentError, TransientError

# Errors that will not go away by retrying the same call.
PERMANENT = frozenset(
    {
        "user_not_found",
        "users_not_found",
        "user_disabled",
        "account_inactive",
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "cannot_dm_bot",
        "user_is_bot",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "no_permission",
        "missing_scope",
        "team_access_not_granted",
        "ekm_access_denied",
        "restricted_action",
        "invalid_blocks",
        "invalid_arguments",
        "msg_too_long",
        "no_text",
        "too_many_users",
        "workspace_revoked",
    }
)
# Errors Slack itself calls temporary.
TRANSIENT = frozenset(
    {
        "ratelimited",
        "rate_limited",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "team_added_to_org",
    }
)
DEFAULT_RETRY_AFTER = 1.0
# What a Slack error code looks like; anything else in a body's "error" is not passed on.
_CODE = re.compile(r"[a-z0-9_]{1,80}")


def classify(error: BaseException) -> TransientError | PermanentError:
    """The core's error for a failed Slack call (``SlackApiError``, a network error, a
    timeout). 429 and 5xx and timeouts are transient; Slack's named refusals are permanent."""
    if isinstance(error, TransientError | PermanentError):
        return error
    if isinstance(error, SlackApiError):
        response = error.response
        status = int(getattr(response, "status_code", 200) or 200)
        raw = response.get("error", "") if hasattr(response, "get") else ""
        code = raw if isinstance(raw, str) and _CODE.fullmatch(raw) else f"http_{status}"
        if status == 429 or code in ("ratelimited", "rate_limited"):
            return TransientError("ratelimited", retry_after=_retry_after(response))
        if status >= 500 or code in TRANSIENT:
            return TransientError(code)
        return PermanentError(code)
    if isinstance(
        error, asyncio.TimeoutError | TimeoutError | aiohttp.ClientError | SlackClientError
    ):
        return TransientError(type(error).__name__)
    return TransientError(type(error).__name__)


def _retry_after(response: object) -> float:
    headers = getattr(response, "headers", None) or {}
    for name in ("Retry-After", "retry-after"):
        raw = headers.get(name) if hasattr(headers, "get") else None
        if raw is not None:
            value = raw[0] if isinstance(raw, list) else raw
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                break
    return DEFAULT_RETRY_AFTER
