"""Migrations build exactly the schema of storage.tables, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from conversations import records as rec
from conversations.wakes import EPOCH
from storage.engine import make_engine
from storage.migrate import current, head, upgrade
from storage.store import SqlStore, _to_row
from storage.tables import managed_here, metadata, table_of
from tests.storage.samples import one_of_each, person


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each SQL kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db.sqlite'}"
    url: str = request.getfixturevalue("pg_database_url")
    return url


def test_upgraded_schema_matches_the_tables(empty_url: str) -> None:
    upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_name": managed_here}
            )
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()


def test_current_is_none_before_upgrade_and_head_after(empty_url: str) -> None:
    assert current(empty_url) is None
    upgrade(empty_url)
    assert current(empty_url) == head() == "0010"


def test_upgrading_an_up_to_date_database_changes_nothing(empty_url: str) -> None:
    upgrade(empty_url)
    upgrade(empty_url)
    assert current(empty_url) == head()


def test_upgrade_creates_the_sqlite_folder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'data' / 'mentorbot.db'}"
    upgrade(url)
    assert (tmp_path / "var" / "data" / "mentorbot.db").is_file()
    assert current(url) == head()


def test_upgrading_to_0002_wakes_every_open_pair_its_members_and_open_programmes(
    empty_url: str,
) -> None:
    """A database from before the planner's wake-ups: its first ticks plan everyone open."""
    upgrade(empty_url, "0001")
    sample = {type(r): r for r in one_of_each()}
    engine = make_engine(empty_url)
    try:
        with engine.begin() as connection:

            def insert(record: rec.Record) -> int:
                # Only the columns the table had at that revision.
                table = sa.Table(
                    table_of(type(record)).name, sa.MetaData(), autoload_with=connection
                )
                values = {
                    k: v for k, v in (_to_row(record) | {"version": 1}).items() if k in table.c
                }
                new_id: int = connection.execute(
                    sa.insert(table).values(values).returning(table.c.id)
                ).scalar_one()
                return new_id

            people = [insert(person(n)) for n in range(1, 5)]
            programme = insert(sample[rec.Programme].model_copy(update={"status": "open"}))
            insert(sample[rec.Programme].model_copy(update={"status": "closed"}))
            pair = sample[rec.Pair].model_copy(update={"programme_id": programme})
            open_pair = insert(
                pair.model_copy(
                    update={"mentor_id": people[0], "adept_id": people[1], "ended_at": None}
                )
            )
            insert(pair.model_copy(update={"mentor_id": people[2], "adept_id": people[3]}))
    finally:
        engine.dispose()
    upgrade(empty_url)
    store = SqlStore(empty_url)
    try:
        with store.transaction() as repo:
            found = {(w.subject, w.changed, w.wake_at) for w in repo.find(rec.PlanWake)}
    finally:
        store.close()
    subjects = {
        f"pair:{open_pair}",
        f"person:{people[0]}",
        f"person:{people[1]}",
        f"programme:{programme}",
    }
    assert found == {(s, True, EPOCH) for s in subjects}


def test_upgrading_to_0003_gives_every_record_the_workspace_of_its_people(empty_url: str) -> None:
    """A database from before workspaces: each record takes its people's workspace, the
    console's people become 'local', coordinators keep where their right came from."""
    upgrade(empty_url, "0002")
    sample = {type(r): r for r in one_of_each()}
    engine = make_engine(empty_url)
    try:
        with engine.begin() as connection:

            def insert(record: rec.Record) -> int:
                table = sa.Table(
                    table_of(type(record)).name, sa.MetaData(), autoload_with=connection
                )
                values = {
                    k: v for k, v in (_to_row(record) | {"version": 1}).items() if k in table.c
                }
                new_id: int = connection.execute(
                    sa.insert(table).values(values).returning(table.c.id)
                ).scalar_one()
                return new_id

            kim = insert(person(1, workspace="TA", is_coordinator=True))
            eva = insert(person(2, workspace="TA", is_coordinator=True))
            anna, bo = insert(person(3, workspace="TA")), insert(person(4, workspace="TA"))
            local = insert(person(5, platform="local", workspace="", platform_user_id="ola"))
            other = insert(person(6, workspace="TB"))
            gone = insert(person(8, workspace="TA", erased_at=sample[rec.Pair].introduced_at))
            programme = insert(sample[rec.Programme].model_copy(update={"created_by": kim}))
            pair = insert(
                sample[rec.Pair].model_copy(
                    update={"programme_id": programme, "mentor_id": anna, "adept_id": bo}
                )
            )
            for cls in (rec.Meeting, rec.Goal, rec.Agreement, rec.CheckIn, rec.Review):
                insert(sample[cls].model_copy(update={"pair_id": pair}))
            insert(
                sample[rec.Enrolment].model_copy(
                    update={"programme_id": programme, "person_id": bo}
                )
            )
            insert(sample[rec.Reflection].model_copy(update={"person_id": other}))
            insert(
                rec.AuditEntry(
                    at=sample[rec.Pair].introduced_at,
                    actor_id=kim,
                    action="coordinator.added",
                    subject=f"person:{eva}",
                )
            )
    finally:
        engine.dispose()
    upgrade(empty_url)
    store = SqlStore(empty_url)
    try:
        with store.transaction() as repo:
            for cls in (
                rec.Programme,
                rec.Pair,
                rec.Enrolment,
                rec.Meeting,
                rec.Goal,
                rec.Agreement,
                rec.CheckIn,
                rec.Review,
            ):
                assert {r.workspace for r in repo.find(cls)} == {"TA"}, cls.__name__
            assert [r.workspace for r in repo.find(rec.Reflection)] == ["TB"]
            assert (repo.get(rec.Person, local) or person()).workspace == "local"
            assert (repo.get(rec.Person, gone) or person()).platform_user_id == f"erased:{gone}"
            via = {p.id: p.coordinator_via for p in repo.find(rec.Person)}
            assert via[kim] == "config" and via[eva] == "command" and via[anna] == ""
    finally:
        store.close()


def test_upgrading_to_0004_starts_every_meetings_invitation_at_sequence_0(empty_url: str) -> None:
    """A database from before calendar invitations: its meetings sent none, so the first
    move or cancellation sends revision 1."""
    upgrade(empty_url, "0003")
    meeting = {type(r): r for r in one_of_each()}[rec.Meeting]
    engine = make_engine(empty_url)
    try:
        with engine.begin() as connection:
            table = sa.Table("meeting", sa.MetaData(), autoload_with=connection)
            assert "sequence" not in table.c
            values = {k: v for k, v in (_to_row(meeting) | {"version": 1}).items() if k in table.c}
            connection.execute(sa.insert(table).values(values))
    finally:
        engine.dispose()
    upgrade(empty_url)
    store = SqlStore(empty_url)
    try:
        with store.transaction() as repo:
            (upgraded,) = repo.find(rec.Meeting)
    finally:
        store.close()
    assert upgraded.sequence == 0 and upgraded.starts_at == meeting.starts_at


def test_upgrading_to_0008_leases_rows_in_flight_for_the_old_sweeps_fifteen_minutes(
    empty_url: str,
) -> None:
    """Rows an old dispatcher holds are left to it for as long as it would have waited
    before sweeping them; nothing else is leased."""
    upgrade(empty_url, "0007")
    outbox = {type(r): r for r in one_of_each()}[rec.OutboxItem]
    engine = make_engine(empty_url)
    try:
        with engine.begin() as connection:
            table = sa.Table("outbox_item", sa.MetaData(), autoload_with=connection)
            assert "lease_until" not in table.c
            for key, status in (("a", "pending"), ("b", "claimed"), ("c", "sending")):
                row = outbox.model_copy(update={"key": key, "status": rec.OutboxStatus(status)})
                values = {k: v for k, v in (_to_row(row) | {"version": 1}).items() if k in table.c}
                connection.execute(sa.insert(table).values(values))
    finally:
        engine.dispose()
    before = datetime.now(UTC)
    upgrade(empty_url)
    after = datetime.now(UTC)
    store = SqlStore(empty_url)
    try:
        with store.transaction() as repo:
            rows = {o.key: o for o in repo.find(rec.OutboxItem)}
    finally:
        store.close()
    assert rows["a"].lease_until is None and rows["a"].lease_holder is None
    for key in "bc":
        until = rows[key].lease_until
        assert until is not None and rows[key].lease_holder == "before-0008"
        assert before + timedelta(minutes=15) <= until + timedelta(seconds=1)
        assert until <= after + timedelta(minutes=15, seconds=1)
        assert rows[key].sending_since is None and rows[key].platform_channel is None
