"""`logging.format: json`: one JSON object per record, with the record's fields, never text."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.json_lines import JsonFormatter
from bot.log_lines import handler

SECRET = "min hemliga dagbok"


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    logger = logging.getLogger("mentorbot.test.json")
    logger.addHandler(handler(stream, "json"))
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield logger, stream
    finally:
        logger.handlers.clear()
        logger.propagate = True


def records(stream: io.StringIO) -> list[dict[str, Any]]:
    text = stream.getvalue()
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def test_a_record_is_its_fields_with_numbers_as_numbers(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = logged
    logger.info("event=handled kind=%s person=%s queued=%d errors=%d", "Command", 12, 2, 0)
    logger.info("event=retry id=%s delay=%.1f paused=%s until=%s", 7, 2.25, True, None)
    first, second = records(stream)
    assert first.pop("time").endswith("Z")
    assert first == {
        "level": "INFO",
        "logger": "mentorbot.test.json",
        "event": "handled",
        "kind": "Command",
        "person": 12,
        "queued": 2,
        "errors": 0,
    }
    assert {k: second[k] for k in ("id", "delay", "paused", "until")} == {
        "id": 7,
        "delay": 2.2,
        "paused": True,
        "until": None,
    }


def test_a_value_cannot_make_fields_or_lines_of_its_own(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = logged
    forged = 'U1 level=ERROR event=forged\n{"event": "forged"}\u202e\x1b[2K'
    logger.warning("event=refused user=%s", forged)
    (record,) = records(stream)
    assert record["event"] == "refused" and record["level"] == "WARNING"
    assert record["user"] == forged  # whole, as one value
    assert stream.getvalue().count("\n") == 1
    assert "\u202e" not in stream.getvalue() and "\x1b" not in stream.getvalue()


def test_free_words_and_their_arguments_are_left_out(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = logged
    logger.info("event=note said %s then count=%d", SECRET, 3)
    logger.info('event=slack_sdk_log said="Unhandled request" error=KeyError')
    note, quoted = records(stream)
    assert note["count"] == 3 and SECRET not in json.dumps(note)
    assert quoted["said"] == "Unhandled request" and quoted["error"] == "KeyError"


def test_a_library_record_keeps_the_plain_words_of_its_template_only(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = logged
    logger.warning("Run time of job %s was missed by %s", SECRET, "0:00:03")
    logger.info(f"Unhandled request body {{'text': '{SECRET}'}}")  # a library that formats itself
    missed, unhandled = records(stream)
    assert missed["event"] == "unstructured" and missed["said"] == "Run time of job"
    assert unhandled["said"] == "Unhandled request body"
    assert SECRET not in stream.getvalue()


def test_an_exception_is_its_type_and_frames_never_its_message(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = logged
    try:
        raise ValueError(f"duplicate key value: ({SECRET})")
    except ValueError:
        logger.exception("event=handler_crash kind=%s", "TextReceived")
    (record,) = records(stream)
    assert record["level"] == "ERROR" and record["exception"] == "ValueError"
    assert record["frames"][-1].startswith(f"{Path(__file__).name}:")
    assert SECRET not in stream.getvalue()


def test_a_template_that_does_not_match_its_arguments_is_still_a_line() -> None:
    record = logging.LogRecord(
        "mentorbot.x", logging.INFO, __file__, 1, "event=broken a=%s b=%s", ("one",), None
    )
    line = JsonFormatter().format(record)
    assert json.loads(line)["event"] == "log_fields_unreadable"


def test_fields_named_like_the_fixed_ones_do_not_replace_them(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = logged
    logger.info("event=e level=%s logger=%s", "forged", "forged")
    (record,) = records(stream)
    assert record["level"] == "INFO" and record["logger"] == "mentorbot.test.json"
    assert record["field_level"] == "forged"


def test_the_cli_writes_json_records_when_app_yaml_asks(tmp_path: Path) -> None:
    config = tmp_path / "app.yaml"
    config.write_text("logging:\n  format: json\n", encoding="utf-8")
    script = (
        "import logging; from bot.cli import _logging; from bot.settings import load_settings;"
        f" _logging(settings=load_settings({str(config)!r}));"
        " logging.getLogger('mentorbot.x').warning('event=e user=%s', 'U1\\nlevel=ERROR')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    (line,) = result.stderr.splitlines()
    assert json.loads(line)["user"] == "U1\nlevel=ERROR"
