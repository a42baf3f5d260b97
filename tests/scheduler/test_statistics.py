"""The scheduler keeps SQLite's query-planner statistics fresh (``KeepsStatistics``): without
them SQLite found a person's pairs through the workspace index, reading every pair of the
workspace (7 ms a command at 25,000 pairs); with them through the person's own indexes."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from conversations.memory import InMemoryStore, ManualClock
from conversations.pairs import in_open_pair
from conversations.planner import PlanRules
from conversations.records import Pair, Person, Phase
from storage import queries
from storage.migrate import upgrade
from storage.store import SqlStore
from tests.scheduler.test_scheduler import T0, make_scheduler
from tests.scheduler.world import FakePlatform


def _plan_of_a_persons_pairs(store: SqlStore) -> str:
    """How SQLite reads the lookup every command makes: the person, and whether they are in
    an open pair (``Engine._find``), in a workspace."""
    where = {"platform": "slack", "workspace": "T1", "platform_user_id": "U7"}
    shape, params = queries.shape_of(Person, where)
    referred = in_open_pair("T1")
    pair_shape, pair_params = queries.shape_of(Pair, referred.where, queries.REFERRED_PREFIX)
    params |= pair_params
    query = queries.first_referred(Person, shape, Pair, referred.fields, pair_shape, "sqlite")
    compiled = query.compile(dialect=store.engine.dialect)
    bound = tuple(params.get(n, compiled.params.get(n)) for n in compiled.positiontup or ())
    with store.read_engine.connect() as connection:
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", bound)
        return " / ".join(str(row[3]) for row in rows)


def test_a_tick_refreshes_sqlites_statistics_hourly_and_a_persons_pairs_use_their_indexes(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'mentorbot.db'}"
    upgrade(url)
    store = SqlStore(url)
    try:
        day = date(2026, 5, 4)
        pairs = [
            Pair(
                workspace="T1",
                programme_id=1,
                mentor_id=2 * n + 1,
                adept_id=2 * n + 2,
                phase=Phase.ACTIVE,
                phase_since=T0,
                introduced_at=T0,
                midpoint_on=day + timedelta(days=60),
                ends_on=day + timedelta(days=120),
            )
            for n in range(2000)
        ]
        with store.transaction() as repo:
            repo.add_many(pairs)
        assert "ix_pair_workspace" in _plan_of_a_persons_pairs(store)  # the whole workspace

        clock = ManualClock(T0)
        scheduler = make_scheduler(store, clock, FakePlatform(clock), PlanRules())
        assert scheduler.refresh_statistics()  # the first tick of the process
        plan = _plan_of_a_persons_pairs(store)
        assert "ix_pair_mentor_id" in plan and "ix_pair_adept_id" in plan, plan
        assert "ix_pair_workspace" not in plan

        clock.advance(timedelta(minutes=59))
        assert not scheduler.refresh_statistics()
        clock.advance(timedelta(minutes=1))
        assert scheduler.refresh_statistics()
    finally:
        store.close()


def test_the_in_memory_store_has_no_statistics_to_keep() -> None:
    clock = ManualClock(T0)
    scheduler = make_scheduler(InMemoryStore(), clock, FakePlatform(clock), PlanRules())
    assert not scheduler.refresh_statistics()


@pytest.mark.postgres
def test_postgresql_keeps_its_own_statistics(pg_database_url: str) -> None:
    upgrade(pg_database_url)
    store = SqlStore(pg_database_url)
    try:
        clock = ManualClock(T0)
        scheduler = make_scheduler(store, clock, FakePlatform(clock), PlanRules())
        assert not scheduler.refresh_statistics()  # autovacuum analyses; nothing logged hourly
    finally:
        store.close()
