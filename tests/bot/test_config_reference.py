"""The configuration reference in docs/OPERATIONS.md is generated from the settings model."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import Field
from typer.testing import CliRunner

from bot import config_reference
from bot.cli import app
from bot.config_reference import BEGIN, END, between_markers, reference, write_into
from bot.settings import Settings, _Section
from conversations.config import CoreConfig

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = ROOT / "docs" / "OPERATIONS.md"


def test_the_operations_guide_holds_the_reference_of_these_settings() -> None:
    documented = between_markers(OPERATIONS.read_text(encoding="utf-8"))
    assert documented == reference(), (
        "docs/OPERATIONS.md is out of date: run "
        "`.venv/bin/mentorbot config reference --write docs/OPERATIONS.md`"
    )


def test_every_setting_of_the_shipped_app_yaml_is_in_the_reference() -> None:
    shipped = yaml.safe_load((ROOT / "app.yaml").read_text(encoding="utf-8"))
    text = reference()
    for section, values in shipped.items():
        for key in values:
            assert f"| `{section}.{key}` |" in text, f"{section}.{key}"
    for key in CoreConfig.model_fields:
        assert f".{key}` |" in text, key
    for variable in ("SLACK_BOT_TOKEN", "DATABASE_URL", "PORT", "MENTORBOT_CONFIG"):
        assert f"| `{variable}` |" in text


def test_a_setting_without_a_description_cannot_reach_the_docs() -> None:
    class Undocumented(_Section):
        described: int = Field(1, description="Has one.")
        bare: int = 2

    with pytest.raises(config_reference.Undescribed, match=r"extra\.bare"):
        config_reference.section_rows("extra", Undocumented)
    assert all(
        field.description
        for section in Settings.model_fields.values()
        if isinstance(section.annotation, type) and issubclass(section.annotation, _Section)
        for field in section.annotation.model_fields.values()
    )


def test_the_command_prints_the_reference_and_rewrites_between_the_markers(
    tmp_path: Path,
) -> None:
    printed = CliRunner().invoke(app, ["config", "reference"])
    assert printed.exit_code == 0 and printed.output == reference()

    guide = tmp_path / "OPERATIONS.md"
    guide.write_text(f"# Ops\n\n{BEGIN}\nold\n{END}\n\nAfter.\n", encoding="utf-8")
    assert write_into(guide)
    assert not write_into(guide)  # already up to date
    text = guide.read_text(encoding="utf-8")
    assert text.startswith(f"# Ops\n\n{BEGIN}\n") and text.endswith(f"{END}\n\nAfter.\n")
    assert between_markers(text) == reference()
