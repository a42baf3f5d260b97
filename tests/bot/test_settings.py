"""Settings from app.yaml: a retired scheduler setting warns instead of stopping the start."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import load_settings


def test_the_retired_per_tick_nudge_bound_is_ignored_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = tmp_path / "app.yaml"
    config.write_text("scheduler:\n  max_queue_per_tick: 1500\n  max_nudges_per_week: 4\n")
    with caplog.at_level("WARNING", logger="mentorbot.settings"):
        settings = load_settings(config)
    assert settings.scheduler.max_nudges_per_week == 4
    assert settings.scheduler.max_subjects_per_tick == 1200
    assert "max_queue_per_tick" in caplog.text


def test_an_unknown_scheduler_setting_is_still_refused(tmp_path: Path) -> None:
    config = tmp_path / "app.yaml"
    config.write_text("scheduler:\n  max_subjects_per_tik: 10\n")
    with pytest.raises(ValueError, match="max_subjects_per_tik"):
        load_settings(config)
