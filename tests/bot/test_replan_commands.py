"""What an operator sees of the bulk re-plan: ``db upgrade`` says how many subjects must be
planned again and about how long that takes; ``plan all`` plans them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conversations.records import OutboxItem, PlanWake
from storage import migrate
from storage.store import SqlStore
from tests.bot.test_cli import clean_env, config, invoke  # noqa: F401  (the autouse fixture)
from tests.databases import new_database_url
from tests.scheduler.test_scheduler import populate


@pytest.fixture
def settings(tmp_path: Path) -> Path:
    """app.yaml on a database holding 30 pairs that have never been planned."""
    url = new_database_url(tmp_path)
    store = SqlStore(url)
    try:
        populate(store, 30)
    finally:
        store.close()
    return config(tmp_path, **{"url: sqlite:///var/mentorbot.db": f"url: {url}"})


def changed_and_queued(settings: Path) -> tuple[int, int]:
    store = SqlStore(yaml.safe_load(settings.read_text(encoding="utf-8"))["database"]["url"])
    try:
        with store.transaction() as repo:
            changed = sum(c for (c,) in repo.columns(PlanWake, ("changed",)))
            return changed, len(repo.columns(OutboxItem, ("id",)))
    finally:
        store.close()


def test_db_upgrade_says_how_long_the_replan_after_it_will_take(settings: Path) -> None:
    output = invoke("db", "upgrade", "--config", str(settings))
    lines = output.strip().splitlines()
    assert lines[0] == f"database at revision {migrate.head()}"
    # 61 people, 30 pairs, 1 programme: none planned yet.
    assert re.fullmatch(
        r"re-plan after the upgrade: 92 subjects to plan again, about \d+ (s|min|h) "
        r"\(the scheduler works them off between its ticks, or run `mentorbot plan all`\)",
        lines[1],
    ), lines[1]
    assert changed_and_queued(settings) == (92, 0)  # the estimate changed nothing


def test_plan_all_plans_the_backlog_and_upgrade_then_has_nothing_to_say(settings: Path) -> None:
    output = invoke("plan", "all", "--config", str(settings), "--chunk", "7")
    assert output.splitlines()[0] == "92 subjects to plan again"
    assert re.search(r"^\d+ subjects planned, \d+ nudges queued in \d+ s$", output, re.M), output
    assert changed_and_queued(settings)[0] == 0
    again = invoke("db", "upgrade", "--config", str(settings))
    assert again.strip() == f"database at revision {migrate.head()}"
