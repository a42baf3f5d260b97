"""The engine: one neutral event in, one reply out, everything else through the outbox.

``Engine.handle`` finds (or creates) the person, runs the flow step inside one transaction,
and commits. Messages to anyone else are outbox rows written in that same transaction, so they
exist only if everything else was saved (save, then send). A lost optimistic-lock race is
retried, as is an insert that clashes with a unique key another turn just took (the step runs
again and reads that row); a crash in a step rolls back that step only and tells the person
nothing was saved.

``Engine.read_turn`` runs a command of someone already known as a reader only, or declines
having done nothing (the adapter then calls ``handle``).
"""

from __future__ import annotations

import hashlib
import logging
import sys
import traceback
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from conversations.config import CoreConfig
from conversations.countries import country_of_zone
from conversations.events import (
    Actor,
    ButtonPressed,
    Command,
    Event,
    FormSubmitted,
    HomeOpened,
    TextReceived,
)
from conversations.flags import Unknown
from conversations.flows import (
    agreement,
    checkin,
    consent,
    coordinators,
    data_rights,
    enrolment,
    followup,
    goals,
    help,
    home,
    intake,
    invitations,
    matching,
    meeting_changes,
    meeting_outcome,
    meetings,
    pause,
    programmes,
    pulse,
    reflection,
    report,
    review,
    settings,
    status,
)
from conversations.i18n import Texts, normalise_locale
from conversations.lanes import Lanes
from conversations.messages import Button, Message, Reply, Section, text
from conversations.pair_choice import ask_pair
from conversations.pairs import (
    in_open_pair,
    in_pair,
    last_ended_pair,
    open_pairs_of,
    pair_closed_reply,
)
from conversations.parked_commands import take_command
from conversations.parsing import CommandLine, parse_command
from conversations.people import new_person
from conversations.planner.calendar import allowed_from
from conversations.ports import Clock, Conflict, DuplicateKey, ReadOnly, Repo, Store
from conversations.programme_choice import take_parked
from conversations.records import AuditEntry, ConversationState, Pair, Person, Receipt
from conversations.refs import PairChoiceRef
from conversations.routes import Action, Audience, ButtonRoute, CommandRoute, Routes
from conversations.sanitising import clean_actor, clean_event, clean_line
from conversations.scoping import WorkspaceRepo
from conversations.turn import Turn, button

log = logging.getLogger("mentorbot.engine")

PARKED = "parked_line"  # ConversationState.data: a typed line waiting for "which did you mean"

# Every flow the engine routes to. The order is help's order: commands are listed by audience,
# each in the order of its flow here.
FLOWS = (
    home,
    settings,
    pause,
    reflection,
    data_rights,
    help,
    meetings,
    meeting_changes,
    goals,
    agreement,
    checkin,
    meeting_outcome,
    review,
    pulse,
    programmes,
    enrolment,
    invitations,
    matching,
    intake,
    consent,
    status,
    followup,
    report,
    coordinators,
)


def find_command(word: str) -> CommandRoute | None:
    return ROUTES.command(word)


def may_use(turn: Turn, audience: Audience) -> bool:
    if audience == Audience.EVERYONE:
        return True
    if audience == Audience.COORDINATOR:
        return turn.person.is_coordinator
    return in_pair(turn)


def park(turn: Turn, state: ConversationState, line: str, command: str) -> Reply:
    """Keep an ambiguous line (privately, on the person's own state) and ask what it was."""
    data = {**state.data, PARKED: line}
    turn.repo.update(state.model_copy(update={"data": data, "updated_at": turn.now}))
    token = parked_token(line)
    t = turn.t
    return turn.show(
        Message(
            sections=(Section(text=t("parked.question", command=command)),),
            buttons=(
                button(t, "button.parked_save", Action.SAVE_PARKED, token, "primary"),
                Button(
                    label=t("button.parked_run", command=command),
                    action=Action.RUN_PARKED,
                    value=token,
                ),
            ),
        )
    )


def parked_token(line: str) -> str:
    """Ties a button to the line it was asked about (a newer line makes it stale)."""
    return hashlib.sha256(line.encode()).hexdigest()[:12]


def _take_parked(turn: Turn, value: str) -> tuple[ConversationState, str] | None:
    state = turn.repo.first(ConversationState, person_id=turn.person.id)
    line = str(state.data.get(PARKED, "")) if state is not None else ""
    if state is None or not line or parked_token(line) != value:
        return None
    data = {k: v for k, v in state.data.items() if k != PARKED}
    state = turn.repo.update(state.model_copy(update={"data": data, "updated_at": turn.now}))
    return state, line


def save_parked(turn: Turn, value: str) -> Reply:
    """'Save it in my journal': the parked line is the awaited answer after all."""
    taken = _take_parked(turn, value)
    answer = ROUTES.answer(taken[0].awaiting) if taken is not None else None
    if taken is None or answer is None:
        return turn.say("parked.gone")
    state, line = taken
    return answer.handler(turn, line, dict(state.data))


def run_parked(turn: Turn, value: str) -> Reply:
    """'Run the command': the parked line is a command; the question stays open."""
    taken = _take_parked(turn, value)
    if taken is None:
        return turn.say("parked.gone")
    line = parse_command(taken[1])
    spec = find_command(line.word) if line else None
    if spec is None and line is not None:  # a misspelt command word: the one it was taken for
        meant = help.closest(turn, line.word)
        spec = find_command(meant.name) if meant else None
        line = replace(line, word=spec.name) if spec else line
    if spec is None or line is None:
        return turn.say("parked.gone")
    return run_command(turn, spec, line, {})


def run_command(
    turn: Turn,
    spec: CommandRoute,
    line: CommandLine,
    mentions: dict[str, str],
    programme: str = "",
) -> Reply:
    """Run a command for the person, if they may use it and it takes the flags given.
    ``programme``: the programme chosen with a button for a parked command."""
    if not may_use(turn, spec.audience):
        ended = last_ended_pair(turn.repo, turn.person)
        if spec.audience == Audience.PAIR and ended is not None:
            return pair_closed_reply(turn, ended)  # the reason that fits: it ended
        command = help.command_word(turn.t, spec.name)
        return turn.say(f"error.only_{spec.audience}", command=command)
    read = spec.flags.read(line, turn.t)
    if isinstance(read, Unknown):
        return help.unknown_flag(turn, spec, read.flag)
    if spec.audience == Audience.PAIR and turn.chosen_pair is None:
        pairs = open_pairs_of(turn.repo, turn.person.id)
        if len(pairs) > 1:  # never guess: a check-in for one adept must not reach another
            return ask_pair(turn, pairs, line, help.command_word(turn.t, spec.name), mentions)
    if programme:
        read = replace(read, options={**read.options, "program": programme})
    return spec.handler(turn, read, mentions)


def run_with_pair(turn: Turn, value: str) -> Reply:
    """A pair chosen for a parked command: the command runs again, for that pair."""
    ref = PairChoiceRef.decode(value)
    taken = take_command(turn, ref.token) if ref is not None else None
    spec = find_command(taken[0].word) if taken is not None else None
    pair = turn.repo.get(Pair, ref.pair) if ref is not None else None
    if taken is None or spec is None or pair is None or turn.person.id not in pair.member_ids():
        return turn.say("parked.gone")
    turn.chosen_pair = pair.id
    return run_command(turn, spec, taken[0], taken[1])


def run_with_programme(turn: Turn, value: str) -> Reply:
    """A programme chosen for a parked command: the command runs again, for that one."""
    taken = take_parked(turn, value)
    spec = find_command(taken[0].word) if taken is not None else None
    if taken is None or spec is None:
        return turn.say("parked.gone")
    line, mentions, programme = taken
    return run_command(turn, spec, line, mentions, programme)


ENGINE_ROUTES = Routes(
    buttons=(
        ButtonRoute(Action.SAVE_PARKED, save_parked),
        ButtonRoute(Action.RUN_PARKED, run_parked),
        ButtonRoute(Action.CHOOSE_PROGRAMME, run_with_programme, Audience.COORDINATOR),
        ButtonRoute(Action.CHOOSE_PAIR, run_with_pair, Audience.PAIR),
    )
)
ROUTES = Routes.gather([*(flow.ROUTES for flow in FLOWS), ENGINE_ROUTES])
COMMANDS: tuple[CommandRoute, ...] = ROUTES.commands


class Engine:
    def __init__(self, store: Store, clock: Clock, config: CoreConfig) -> None:
        self.store = store
        self.clock = clock
        self.config = config
        self.lanes = Lanes()

    def knows(self, actor: Actor) -> bool:
        with self.store.read() as repo:
            return self._find(repo, actor) is not None

    def handle(self, actor: Actor, event: Event, *, event_key: str | None = None) -> Reply:
        """Handle one event. ``event_key`` (e.g. Slack's event_id) makes retries harmless.
        A turn may start read-only (``conversations.lanes``) and run again as a writer."""
        key = clean_line(event_key) if event_key else uuid.uuid4().hex
        actor, event = clean_actor(actor), clean_event(event)  # the edge of the core
        keyed = event_key is not None
        write = self.lanes.starts_writing(event, keyed)
        conflicts = 0
        while conflicts < 5:
            try:
                return self._handle_once(actor, event, key, keyed, write)
            except _Refused as refused:
                return refused.reply
            except (Conflict, DuplicateKey) as lost:
                # Another turn saved first: a record changed since it was read, or a row this
                # step inserts (one per key, ``conversations.unique_keys``) now exists. The
                # whole step runs again and reads what the other turn saved.
                conflicts += 1
                log.info("event=conflict_retry attempt=%d kind=%s", conflicts, type(lost).__name__)
            except Exception as error:
                if isinstance(error, ReadOnly) and not write:
                    write = True  # it writes after all: again, as a writer (not a lost race)
                    self.lanes.wrote(event, error)
                    continue
                log.error(
                    "event=handler_crash kind=%s error=%s at=%s",
                    type(event).__name__,
                    *crash_site(),
                )
                return self._crash_reply(actor)
        return self._crash_reply(actor)

    def read_turn(
        self, actor: Actor, event: Command, accept: Callable[[Person], bool]
    ) -> tuple[Person, Reply] | None:
        """A command of someone already known, as a reader only (one read transaction, the
        person found and the turn run in it): the person and the reply. ``None``, with nothing
        done, when the person is not found or ``accept`` refuses them, or when the turn writes
        (it wrote now, or its route wrote lately: ``Lanes``): ``handle`` then runs it.

        For adapters that can run a reader where a writer could not go: on the event loop, on
        a database on the same machine (``SqlStore.reads_nearby``). A crash is answered as
        ``handle`` answers it, and the turn is not run again."""
        actor, cleaned = clean_actor(actor), clean_event(event)
        if self.lanes.writes_lately(cleaned):
            return None
        person: Person | None = None
        try:
            with self.store.read() as repo:
                found = self._find(repo, actor)
                if found is None or not accept(found[0]):
                    return None
                person = found[0]
                reply = self._turn(repo, person, cleaned, uuid.uuid4().hex, in_pair=found[1])
                return person, reply
        except _Refused as refused:
            assert person is not None
            return person, refused.reply
        except ReadOnly as error:
            self.lanes.wrote(cleaned, error)
            return None
        except Exception:
            log.error(
                "event=handler_crash kind=%s error=%s at=%s", type(cleaned).__name__, *crash_site()
            )
            if person is None:
                raise  # the person could not be read: not a turn that ran
            return person, self._crash_reply(actor)

    def _handle_once(self, actor: Actor, event: Event, key: str, keyed: bool, write: bool) -> Reply:
        now = self.clock.now()
        with self.store.transaction() if write else self.store.read() as repo:
            if keyed:
                try:
                    repo.add(Receipt(key=key, created_at=now))
                except DuplicateKey:
                    log.info("event=duplicate_event key=%s", key)
                    return Reply(duplicate=True)
            person, paired = self.lanes.person(lambda: self._ensure(repo, actor))
            return self._turn(repo, person, event, key, now, in_pair=paired)

    def _turn(
        self,
        repo: Repo,
        person: Person,
        event: Event,
        key: str,
        now: datetime | None = None,
        *,
        in_pair: bool | None = None,
    ) -> Reply:
        """The flow step of ``event`` for ``person`` in the open transaction ``repo``
        (``in_pair``: whether they are in an open pair, if read with them)."""
        turn = Turn(
            repo=WorkspaceRepo(repo, person.workspace),
            now=now or self.clock.now(),
            person=person,
            config=self.config,
            key=key,
            commands=COMMANDS,
            allowed_from=allowed_from,
            groups=event.groups if isinstance(event, Command | TextReceived) else (),
            in_pair=in_pair,
        )
        reply = self._route(turn, event)
        log.info(
            "event=handled kind=%s person=%s queued=%d errors=%d",
            type(event).__name__,
            person.id,
            turn.sent,
            len(reply.errors),
        )
        if reply.errors:
            # A refused form saves nothing: roll the whole step back.
            raise _Refused(reply)
        return reply

    def _route(self, turn: Turn, event: Event) -> Reply:
        if isinstance(event, Command | TextReceived):
            return self._route_text(
                turn, event.text, event.mentions, typed=isinstance(event, TextReceived)
            )
        if isinstance(event, ButtonPressed):
            button = ROUTES.button(event.action)
            if button is None:
                return turn.say("error.stale_button")
            if not may_use(turn, button.audience):
                return turn.say("error.stale_button")
            return button.handler(turn, event.value)
        if isinstance(event, FormSubmitted):
            form = ROUTES.form(event.form_id)
            if form is None:
                return turn.say("error.stale_button")
            if not may_use(turn, form.audience):
                return turn.say("error.stale_button")
            return form.handler(turn, event.values, event.context)
        if isinstance(event, HomeOpened):
            return home.home_command(turn, CommandLine(word="home"), {})
        raise TypeError(f"unknown event {event!r}")

    def _route_text(
        self, turn: Turn, text_: str, mentions: dict[str, str], *, typed: bool
    ) -> Reply:
        line = parse_command(text_)
        spec = find_command(line.word) if line else None
        state = turn.repo.first(ConversationState, person_id=turn.person.id) if typed else None
        answer = ROUTES.answer(state.awaiting) if state is not None else None
        if (
            answer is not None
            and spec is not None
            and line is not None
            and (line.args or line.options)
        ):
            # A line that could be the awaited answer or a command: a valid use of the command
            # runs (``paus 2v``); otherwise it is parked and the person chooses
            # (``Möte med chefen gick bra`` is most likely the answer). Nothing is saved as
            # an answer unasked.
            assert state is not None
            if spec.accepts is None or not spec.accepts(turn, line):
                return park(turn, state, text_, help.command_word(turn.t, spec.name))
        if spec is not None and line is not None:
            return run_command(turn, spec, line, mentions)
        if answer is not None and state is not None:
            one_word = line is not None and not line.args and not line.options
            meant = help.closest(turn, line.word) if line is not None and one_word else None
            if meant is not None:  # one word, close to a command (``statsu``): ask
                return park(turn, state, text_, help.command_word(turn.t, meant.name))
            return answer.handler(turn, text_, dict(state.data))
        return help.unknown_command(turn, line.word if line else "")

    # People -------------------------------------------------------------------
    def _find(self, repo: Repo, actor: Actor) -> tuple[Person, bool] | None:
        """The actor's person and whether they are in an open pair, in one read (every turn
        asks both: its audience check and help)."""
        return repo.first_referred(
            Person,
            in_open_pair(actor.workspace),
            platform=actor.platform,
            workspace=actor.workspace,
            platform_user_id=actor.platform_user_id,
        )

    def ensure_person(self, repo: Repo, actor: Actor) -> Person:
        """Find the actor's person, creating them on first contact (profile hints used once)."""
        return self._ensure(repo, actor)[0]

    def _ensure(self, repo: Repo, actor: Actor) -> tuple[Person, bool]:
        """``ensure_person``, and whether the person is in an open pair."""
        found = self._find(repo, actor)
        if found is None:
            return repo.add(new_person(self.config, actor, self.clock.now())), False
        person, paired = found
        if person.erased_at is not None:
            # Erased before their shell was detached from the identity (migration 0003 detaches
            # those): detach it now, and start a new, empty person.
            repo.update(person.model_copy(update={"platform_user_id": f"erased:{person.id}"}))
            return repo.add(new_person(self.config, actor, self.clock.now())), False
        if (
            person.display_name == person.platform_user_id
            and actor.display_name
            and actor.display_name != person.display_name
        ):
            # Created from a mention before we saw their profile: fill it in now, but never
            # over a language or time zone the person already chose themselves.
            changes: dict[str, object] = {"display_name": actor.display_name}
            if person.locale == self.config.default_locale and actor.locale:
                changes["locale"] = normalise_locale(actor.locale, person.locale)
            if person.timezone == self.config.default_timezone and actor.timezone:
                changes["timezone"] = actor.timezone
                if person.country == self.config.default_country:
                    changes["country"] = country_of_zone(actor.timezone) or person.country
            person = repo.update(person.model_copy(update=changes))
            # Audited so a scheduler's cached view re-reads this person (time zone, language).
            repo.add(
                AuditEntry(
                    at=self.clock.now(),
                    actor_id=person.id,
                    action="person.profile",
                    subject=f"person:{person.id}",
                )
            )
        return person, paired

    def _crash_reply(self, actor: Actor) -> Reply:
        lang = normalise_locale(actor.locale, self.config.default_locale)
        try:
            with self.store.read() as repo:
                found = self._find(repo, actor)
                if found is not None:
                    lang = found[0].locale
        except Exception:
            log.error("event=crash_reply_lookup_failed error=%s at=%s", *crash_site())
        return Reply(messages=[text(Texts(lang)("error.crash"))])


class _Refused(Exception):
    def __init__(self, reply: Reply) -> None:
        super().__init__("form refused")
        self.reply = reply


def crash_site() -> tuple[str, str]:
    """The current exception's type and innermost file:line, without its message: messages
    (e.g. a validation error's input) may quote what a person wrote, and logs never do."""
    kind, _, trace = sys.exc_info()
    frames = traceback.extract_tb(trace) if trace else []
    where = f"{frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else "?"
    return (kind.__name__ if kind else "?"), where
