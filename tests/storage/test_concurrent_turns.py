"""Two workers on one database take turns of the same person at the same moment: nothing is
saved twice, nothing is lost, and neither person sees an error.

Each worker is an ``Engine`` on its own ``SqlStore`` (its own connections), as two `mentorbot
serve --no-scheduler` processes are. On PostgreSQL both turns are held at a barrier right
before their insert, so both have read "nothing there yet" and both insert: the unique key
refuses the second (``DuplicateKey``), and the engine runs that turn again, which then reads
the first one's row. On SQLite a process's writer holds the write lock from its first
statement, so the two turns cannot interleave there; they run concurrently all the same,
with the same expectations. Nothing sleeps: the barrier only waits for the other thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest

from conversations.engine import Engine
from conversations.events import Actor, Command, Event, FormSubmitted, TextReceived
from conversations.i18n import Texts
from conversations.messages import Reply
from conversations.ports import Repo, Store
from conversations.records import (
    Agreement,
    CheckIn,
    ConversationState,
    Enrolment,
    Invitation,
    Pair,
    Person,
    Record,
    Reflection,
)
from conversations.refs import PairRef
from conversations.routes import Action
from storage.store import SqlStore
from tests.conversations.harness import Bot, make_bot, paired

WAIT_S = 30  # only reached when a turn is stuck: the test then fails
CRASH = Texts("sv")("error.crash")


class RacingStore:
    """``inner`` whose write transactions hold the first insert of ``cls`` on each thread at
    ``barrier`` (when there is one), so that two turns both read before either inserts."""

    def __init__(self, inner: Store, cls: type[Record], barrier: threading.Barrier | None):
        self.inner, self.cls, self.barrier = inner, cls, barrier
        self.held = threading.local()

    @contextmanager
    def transaction(self) -> Iterator[Repo]:
        with self.inner.transaction() as repo:
            yield _RacingRepo(repo, self)

    def read(self) -> AbstractContextManager[Repo]:
        return self.inner.read()


class _RacingRepo:
    def __init__(self, inner: Repo, racing: RacingStore) -> None:
        self._inner, self._racing = inner, racing

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def add(self, record: Record) -> Record:
        racing = self._racing
        if type(record) is racing.cls and not getattr(racing.held, "done", False):
            racing.held.done = True  # the turn's second run goes straight through
            if racing.barrier is not None:
                racing.barrier.wait(timeout=WAIT_S)
        return self._inner.add(record)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest) -> tuple[str, str]:
    """(kind, url): a migrated, empty database."""
    fixture = "sqlite_url" if request.param == "sqlite" else "migrated_pg_url"
    return request.param, request.getfixturevalue(fixture)


@pytest.fixture
def bot(database: tuple[str, str], sql_stores: Callable[[str], SqlStore]) -> Bot:
    """The first worker, which the tests also use to set things up."""
    return make_bot(sql_stores(database[1]))


def race(
    bot: Bot,
    database: tuple[str, str],
    sql_stores: Callable[[str], SqlStore],
    cls: type[Record],
    turns: list[tuple[str, Event]],
) -> list[Reply]:
    """Run ``turns`` at once, each on its own worker; their replies, in the same order."""
    kind, url = database
    barrier = threading.Barrier(len(turns)) if kind == "postgres" else None
    engines = [
        Engine(RacingStore(sql_stores(url), cls, barrier), bot.clock, bot.config) for _ in turns
    ]
    replies: list[Reply | None] = [None] * len(turns)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        who, event = turns[n]
        actor = Actor(platform="local", platform_user_id=who, display_name=who)
        try:
            replies[n] = engines[n].handle(actor, event)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(turns))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT_S * 2)
    assert not any(t.is_alive() for t in threads), "a turn never finished"
    assert not errors, errors
    done = [r for r in replies if r is not None]
    for reply in done:
        assert CRASH not in "\n".join(m.plain_text() for m in reply.messages)
    return done


def _text(reply: Reply) -> str:
    return "\n".join(m.plain_text() for m in reply.messages)


def test_the_same_check_in_sent_twice_at_once_is_saved_once(
    bot: Bot, database: tuple[str, str], sql_stores: Callable[[str], SqlStore]
) -> None:
    paired(bot)
    bot.fill("bo", Action.BOOK_MEETING, {"when": "2027-01-14 10:00"})
    bot.advance(bot.clock.now().replace(day=14, hour=12) - bot.clock.now())
    opened = bot.say("bo", "checkin")
    assert opened.form is not None
    values = {f.name: f.initial for f in opened.form.fields}
    values |= {"met": "yes", "raised": "Hur man ger återkoppling"}
    submit = FormSubmitted(form_id=opened.form.form_id, values=values, context=opened.form.context)

    replies = race(bot, database, sql_stores, CheckIn, [("bo", submit), ("bo", submit)])

    (bo,) = bot.record(Person, platform_user_id="bo")
    (saved,) = bot.record(CheckIn, author_id=bo.id)
    assert saved.raised == "Hur man ger återkoppling"
    texts = sorted(_text(r) for r in replies)
    assert sum("redan checkat in" in t for t in texts) == 1, texts


def test_two_agreement_proposals_at_once_become_versions_1_and_2(
    bot: Bot, database: tuple[str, str], sql_stores: Callable[[str], SqlStore]
) -> None:
    paired(bot)
    (pair,) = bot.record(Pair)
    forms = []
    for who in ("anna", "bo"):
        opened = bot.press(who, Action.PROPOSE_AGREEMENT, PairRef(pair.id or 0).encode())
        assert opened.form is not None
        values = {f.name: f.initial for f in opened.form.fields}
        forms.append(
            FormSubmitted(form_id=opened.form.form_id, values=values, context=opened.form.context)
        )

    race(bot, database, sql_stores, Agreement, [("anna", forms[0]), ("bo", forms[1])])

    agreements = sorted(bot.record(Agreement), key=lambda a: a.number)
    assert [a.number for a in agreements] == [1, 2]
    # Both proposals were saved; the later one withdrew the earlier, as one after the other.
    assert agreements[0].superseded_at is not None and agreements[1].superseded_at is None
    assert {a.proposed_by for a in agreements} == {pair.mentor_id, pair.adept_id}


def test_asking_for_a_journal_prompt_twice_at_once_keeps_one_state_and_the_answer(
    bot: Bot, database: tuple[str, str], sql_stores: Callable[[str], SqlStore]
) -> None:
    bot.say("cleo", "hjälp")  # known to the bot, nothing asked yet
    assert bot.record(ConversationState) == []

    race(
        bot,
        database,
        sql_stores,
        ConversationState,
        [("cleo", Command(text="reflektion")), ("cleo", Command(text="reflektion"))],
    )

    (state,) = bot.record(ConversationState)
    assert state.awaiting is not None
    bot.act("cleo", TextReceived(text="Jag lärde mig att fråga tidigare."))
    (entry,) = bot.record(Reflection)
    assert entry.text == "Jag lärde mig att fråga tidigare."
    (state,) = bot.record(ConversationState)
    assert state.awaiting is None


SPRING = 'program new "Vår 2027" --purpose onboarding --start 2027-01-11 --end 2027-04-04'


@pytest.mark.parametrize(
    ("cls", "line", "answer"),
    [
        (Enrolment, "registrera @bo som adept", "bo är redan registrerad som adept."),
        (Invitation, "bjud-in @bo som adept", "bo är redan inbjuden och har inte svarat än."),
    ],
)
def test_enrolling_or_inviting_a_person_twice_at_once_does_it_once(
    bot: Bot,
    database: tuple[str, str],
    sql_stores: Callable[[str], SqlStore],
    cls: type[Record],
    line: str,
    answer: str,
) -> None:
    bot.say("kim", SPRING)
    bot.say("bo", "hjälp")  # known to the bot: only the enrolment or invitation is raced
    command = Command(text=line)

    replies = race(bot, database, sql_stores, cls, [("kim", command), ("kim", command)])

    assert len(bot.record(cls)) == 1
    texts = [_text(r) for r in replies]
    assert sum(answer in t for t in texts) == 1, texts
