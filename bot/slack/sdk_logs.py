"""What slack-bolt and slack-sdk may write to the bot's log: their own words, never a request.

Left alone, bolt logs a request whose signature it refused in full at INFO (a stale DM event
with its text), an unhandled request's fields (what someone typed into a menu), a middleware's
request body, listener errors with tracebacks that quote input; slack-sdk logs every Web API
call's arguments and answer at DEBUG (the messages the bot sends). ``SdkLogRedaction`` keeps
only the leading plain words of each such record (``Invalid request signature detected``,
``Unhandled request``) and the type of an exception, as one ``event=slack_sdk_log`` line.

``quiet`` puts it on the logger the bot hands bolt and the Web API client (bolt copies its
filters to every logger it creates from it) and on every bolt and slack-sdk logger that exists
already (slack-sdk's module loggers).
"""

from __future__ import annotations

import logging
import re

BOLT_LOGGER = "mentorbot.slack.bolt"  # the base logger given to bolt
CLIENT_LOGGER = "mentorbot.slack.sdk"  # the Web API client's logger
_SDK_PREFIXES = ("slack_bolt", "slack_sdk", BOLT_LOGGER, CLIENT_LOGGER)
_WORDS = re.compile(r"[A-Za-z][A-Za-z0-9 _.,'-]{0,79}")


class SdkLogRedaction(logging.Filter):
    """Rewrites a record to its leading plain words (and an exception's type)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            said = record.getMessage()
        except Exception:  # a record that cannot even be formatted says nothing at all
            said = ""
        words = _WORDS.match(said)
        text = words.group(0).strip(" ,.-") if words else ""
        error = ""
        if record.exc_info and record.exc_info[0] is not None:
            error = f" error={record.exc_info[0].__name__}"
        record.msg = f'event=slack_sdk_log said="{text}"{error}'
        record.args = ()
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True


REDACTION = SdkLogRedaction()


def quiet() -> tuple[logging.Logger, logging.Logger]:
    """The loggers for bolt and the Web API client, and every SDK logger there is, redacted."""
    for name in [*logging.root.manager.loggerDict, *_SDK_PREFIXES]:
        if name.startswith(_SDK_PREFIXES):
            logging.getLogger(name).addFilter(REDACTION)  # once: filters are a set by identity
    return logging.getLogger(BOLT_LOGGER), logging.getLogger(CLIENT_LOGGER)
