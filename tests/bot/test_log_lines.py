"""The bot's log lines: one record is one line, whatever its values hold."""

from __future__ import annotations

import io
import logging
import subprocess
import sys

from bot.log_lines import handler, one_line


def test_line_breaks_and_control_characters_are_escaped() -> None:
    assert (
        one_line("a\nb\rc\td\x1b[2K\x00\u2028\u202e") == "a\\nb\\rc\\td\\x1b[2K\\x00\\u2028\\u202e"
    )
    assert one_line("Åsa säger hej") == "Åsa säger hej"


def test_a_record_with_a_traceback_is_one_line() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("mentorbot.test.one_line")
    logger.addHandler(handler(stream))
    logger.propagate = False
    try:
        raise ValueError("boom\nlevel=ERROR event=forged")
    except ValueError:
        logger.exception("event=failed user=%s", "U1\nlevel=ERROR event=forged")
    finally:
        logger.handlers.clear()
        logger.propagate = True
    written = stream.getvalue()
    assert written.count("\n") == 1 and written.endswith("\n")
    assert "level=ERROR logger=mentorbot.test.one_line event=failed user=U1\\nlevel=" in written
    assert "Traceback" in written


def test_the_cli_writes_one_line_records() -> None:
    script = (
        "import logging; from bot.cli import _logging; _logging();"
        " logging.getLogger('mentorbot.x').warning('event=e user=%s', 'U1\\nlevel=ERROR forged')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stderr.count("\n") == 1
    assert "event=e user=U1\\nlevel=ERROR forged" in result.stderr
