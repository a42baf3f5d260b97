"""What bolt and slack-sdk may log: their own leading words, never a request or a message."""

from __future__ import annotations

import logging

import pytest
from slack_bolt.logger import get_bolt_logger
from slack_bolt.middleware.request_verification import RequestVerification

from bot.slack.sdk_logs import quiet


def test_bolts_refusal_keeps_its_words_and_drops_the_body(caplog: pytest.LogCaptureFixture) -> None:
    bolt, _ = quiet()
    logger = get_bolt_logger(RequestVerification, base_logger=bolt)  # as bolt makes it
    with caplog.at_level(logging.DEBUG):
        logger.info(
            "Invalid request signature detected (signature: v0=1, timestamp: 1, body: hemligt)"
        )
    (record,) = [r for r in caplog.records if r.name == logger.name]
    assert record.getMessage() == 'event=slack_sdk_log said="Invalid request signature detected"'


def test_an_exception_is_named_by_its_type_without_its_text_or_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bolt, client = quiet()
    with caplog.at_level(logging.DEBUG):
        try:
            raise ValueError("hemligt")
        except ValueError:
            bolt.exception("Failed to run listener function (error: hemligt)")
        client.debug("Sending a request - url: x, body_params: {'text': 'hemligt'}")
    assert "hemligt" not in caplog.text
    assert 'said="Failed to run listener function" error=ValueError' in caplog.text
    assert [r.exc_info for r in caplog.records] == [None, None]
