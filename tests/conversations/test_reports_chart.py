"""The report's chart: a real PNG of the expected size, worded and dated in the coordinator's
language (its texts read back from an SVG rendering, which keeps them as text)."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import matplotlib
import matplotlib.image
import pytest

from conversations.reports.chart import chart_figure, chart_png
from conversations.reports.series import weekly_series
from tests.conversations.reporting import STOCKHOLM, Built

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ROOT = Path(__file__).resolve().parents[2]


def svg_text(reported: Built, language: str) -> str:
    """Everything the chart writes, as the text of an SVG (fonts not turned into paths)."""
    series = weekly_series(reported.facts, STOCKHOLM)
    figure = chart_figure(series, language, reported.facts.programme.name)
    out = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        figure.savefig(out, format="svg")
    return out.getvalue().decode("utf-8")


def test_the_chart_is_a_png_of_900_by_700_pixels(reported: Built) -> None:
    png = chart_png(weekly_series(reported.facts, STOCKHOLM), "sv", "Ledare 2027")
    assert png.startswith(PNG_MAGIC)
    length, kind = struct.unpack(">I4s", png[8:16])
    assert kind == b"IHDR" and length == 13
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (900, 700)
    assert zlib.crc32(png[12:29]) == struct.unpack(">I", png[29:33])[0]  # IHDR intact
    pixels = matplotlib.image.imread(io.BytesIO(png), format="png")
    assert pixels.shape[:2] == (700, 900)
    assert png.endswith(b"IEND\xaeB`\x82")


@pytest.mark.parametrize(
    ("language", "present", "absent"),
    [
        (
            "sv",
            [
                "Par per fas",
                "Möten per vecka",
                "Veckan som börjar",
                "Hållna",
                "pågår",
                "11 jan.",
                "1 mars",
                "Ledare 2027: par och möten per vecka",
            ],
            ["Pairs", "Meetings", "Week", "Held", "Jan", "under way"],
        ),
        (
            "en",
            [
                "Pairs by phase",
                "Meetings per week",
                "Week starting",
                "Held",
                "under way",
                "Jan 11",
                "Mar 1",
                "Ledare 2027: pairs and meetings by week",
            ],
            ["Par per fas", "Möten", "Veckan", "Hållna", "jan.", "pågår"],
        ),
    ],
)
def test_titles_axes_legends_and_dates_are_in_the_coordinators_language(
    reported: Built, language: str, present: list[str], absent: list[str]
) -> None:
    text = svg_text(reported, language)
    assert [p for p in present if p not in text] == []
    assert [a for a in absent if a in text] == []


def test_drawing_a_chart_needs_no_pyplot_and_so_no_global_backend() -> None:
    script = (
        "import sys\n"
        "from conversations.reports.chart import chart_png\n"
        "from conversations.reports.series import Series\n"
        "from datetime import date\n"
        "png = chart_png(Series((date(2027, 1, 11),), {}, (0,), (0,)), 'sv')\n"
        "assert png.startswith(b'\\x89PNG')\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip() == "False"
