"""`mentorbot manifest teams [--out app.zip]`: a package Teams takes, valid offline against the
v1.22 schema, with icons of the sizes Teams asks for."""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from jsonschema import Draft4Validator
from typer.testing import CliRunner

from bot.cli import app
from bot.settings import Secrets, Settings
from bot.teams.manifest import COMMANDS, package, swedish, teams_manifest
from conversations.engine import find_command

SCHEMA = (
    Path(__file__).resolve().parents[3]
    / ".."
    / "shared"
    / "schemas"
    / "teams-manifest"
    / "MicrosoftTeams.v1.22.schema.json"
)
APP_ID = "0b7e3c52-6d7e-4b8a-9f10-3a1d2c4e5f60"


def _settings() -> Settings:
    return Settings(secrets=Secrets(microsoft_app_id=APP_ID))


def _pixels(png: bytes) -> tuple[int, int, list[tuple[int, int, int, int]]]:
    """Width, height and RGBA pixels of one of our PNGs (8-bit RGBA, no filter)."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height, depth, colour = struct.unpack(">IIBB", png[16:26])
    assert (depth, colour) == (8, 6)
    chunks, at = b"", 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind = png[at + 4 : at + 8]
        if kind == b"IDAT":
            chunks += png[at + 8 : at + 8 + length]
        at += 12 + length
    raw = zlib.decompress(chunks)
    stride = 1 + 4 * width
    pixels = [
        tuple(raw[y * stride + 1 + 4 * x : y * stride + 5 + 4 * x])
        for y in range(height)
        for x in range(width)
    ]
    return width, height, pixels  # type: ignore[return-value]


def test_the_manifest_is_valid_against_the_v1_22_schema() -> None:
    if not SCHEMA.is_file():
        pytest.skip(f"schema not found at {SCHEMA}")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    manifest = teams_manifest(_settings())
    errors = [f"{list(e.path)}: {e.message}" for e in Draft4Validator(schema).iter_errors(manifest)]
    assert errors == []
    (bot,) = manifest["bots"]
    assert bot["botId"] == manifest["id"] == APP_ID
    assert bot["scopes"] == ["personal"]


def test_every_command_offered_is_one_the_bot_understands_in_both_languages() -> None:
    manifest = teams_manifest(_settings())
    offered = [c["title"] for c in manifest["bots"][0]["commandLists"][0]["commands"]]
    assert len(offered) == len(COMMANDS) <= 10
    translated = swedish(_settings())
    for index, title in enumerate(offered):
        sv = translated[f"bots[0].commandLists[0].commands[{index}].title"]
        assert find_command(title) is not None, title
        assert find_command(sv) is not None, sv
        assert find_command(sv) == find_command(title)


def test_the_package_holds_the_manifest_the_translation_and_both_icons() -> None:
    archive = zipfile.ZipFile(io.BytesIO(package(_settings())))
    assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png", "sv.json"]
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["localizationInfo"]["additionalLanguages"] == [
        {"languageTag": "sv-se", "file": "sv.json"}
    ]
    width, height, colour = _pixels(archive.read("color.png"))
    assert (width, height) == (192, 192)
    assert all(p[3] == 255 for p in colour)  # full-bleed
    width, height, outline = _pixels(archive.read("outline.png"))
    assert (width, height) == (32, 32)
    visible = [p for p in outline if p[3] > 0]
    assert visible and all(p[:3] == (255, 255, 255) for p in visible)  # white only
    assert outline[0][3] == 0  # a transparent background


def test_the_cli_writes_the_package_with_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    out = tmp_path / "app.zip"
    result = CliRunner().invoke(app, ["manifest", "teams", "--out", str(out)])
    assert result.exit_code == 0, result.output
    names = zipfile.ZipFile(out).namelist()
    assert "manifest.json" in names
    printed = CliRunner().invoke(app, ["manifest", "teams"])
    assert json.loads(printed.output)["id"] == APP_ID
