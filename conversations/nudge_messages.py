"""The wording of scheduled nudges (``conversations.nudges`` has the kinds).

``compose`` turns a planned ``Nudge`` into the ``Message`` its recipient reads, in their
language, or ``None`` when it is no longer relevant (the meeting was logged, the pair ended):
such a nudge is skipped, not sent. It only reads. A reflection prompt also says which prompt it
asked (``NudgeMessage.prompt_key``); the queue then remembers it with ``remember_prompt`` (a
write), so the person's next typed message answers it. Above the flows: it uses their message
builders."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from conversations.config import CoreConfig
from conversations.digest_message import digest_message
from conversations.failure_wording import failure_note
from conversations.flows import pulse, reflection
from conversations.flows.review import review_message
from conversations.i18n import Texts
from conversations.messages import Message, Section, text
from conversations.nudges import Nudge
from conversations.ports import Repo
from conversations.records import (
    OPEN_PHASES,
    CheckIn,
    ConversationState,
    Meeting,
    MeetingStatus,
    Pair,
    Person,
    Record,
)
from conversations.refs import MeetingRef, PairMeetingRef, PairRef
from conversations.routes import Action, Awaiting
from conversations.turn import button, set_awaiting, texts_for

R = TypeVar("R", bound=Record)
_CHUNK = 5000  # ids per bulk read (below SQLite's and PostgreSQL's bind limits)


def _chunks(values: Iterable[int]) -> Iterator[set[int]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), _CHUNK):
        yield set(ordered[start : start + _CHUNK])


@dataclass
class ReadAhead:
    """What composing a tick's due nudges reads, read in bulk (``ReadAhead.load``): a few
    reads for the whole tick instead of several per nudge. Anything not here is read through
    the repo as before."""

    people: dict[int, Person] = field(default_factory=dict)
    pairs: dict[int, Pair] = field(default_factory=dict)
    meetings: dict[int, Meeting] = field(default_factory=dict)
    open_pairs: dict[int, list[Pair]] = field(default_factory=dict)  # reflection recipients
    states: dict[int, ConversationState | None] = field(default_factory=dict)  # same people
    checked_in: set[tuple[int, int]] = field(default_factory=set)  # (meeting, author)
    loaded: set[tuple[str, int]] = field(default_factory=set)  # (what, id) read, found or not
    new_states: dict[int, ConversationState] = field(default_factory=dict)  # to write
    changed_states: dict[int, ConversationState] = field(default_factory=dict)  # to write

    @classmethod
    def load(cls, repo: Repo, due: Sequence[Nudge]) -> ReadAhead:
        ahead = cls()
        pair_ids = {n.pair_id for n in due if n.pair_id}
        meeting_ids = {n.meeting_id for n in due if n.meeting_id}
        reflecting = {n.person_id for n in due if n.kind == "reflection-prompt"}
        checkin_meetings = {
            n.meeting_id for n in due if n.kind == "checkin-prompt" and n.meeting_id
        }
        for chunk in _chunks(pair_ids):
            ahead.pairs.update((p.id or 0, p) for p in repo.find(Pair, id=chunk))
        ahead.loaded.update(("pair", i) for i in pair_ids)
        for chunk in _chunks(meeting_ids):
            ahead.meetings.update((m.id or 0, m) for m in repo.find(Meeting, id=chunk))
        ahead.loaded.update(("meeting", i) for i in meeting_ids)
        for chunk in _chunks(checkin_meetings):
            ahead.checked_in.update(
                (m, a)
                for m, a in repo.columns(CheckIn, ("meeting_id", "author_id"), meeting_id=chunk)
            )
        ahead.loaded.update(("checkins", i) for i in checkin_meetings)
        open_pairs: dict[int, list[Pair]] = defaultdict(list)
        for chunk in _chunks(reflecting):
            for role in ("mentor_id", "adept_id"):
                where: dict[str, Any] = {role: chunk, "phase": list(OPEN_PHASES)}
                for pair in repo.find(Pair, **where):
                    open_pairs[getattr(pair, role)].append(pair)
            for state in repo.find(ConversationState, person_id=chunk):
                ahead.states[state.person_id] = state
        for person_id in reflecting:
            ahead.open_pairs[person_id] = sorted(
                {p.id: p for p in open_pairs.get(person_id, [])}.values(), key=lambda p: p.id or 0
            )
            ahead.states.setdefault(person_id, None)
        people = {n.person_id for n in due}
        people.update(m for p in ahead.pairs.values() for m in (p.mentor_id, p.adept_id))
        for chunk in _chunks(people):
            ahead.people.update((p.id or 0, p) for p in repo.find(Person, id=chunk))
        ahead.loaded.update(("person", i) for i in people)
        return ahead

    def await_reflection(self, repo: Repo, person_id: int, now: datetime, key: str) -> None:
        """``set_awaiting(repo, person_id, Awaiting.REFLECTION, now, prompt_key=key)`` with the
        state read ahead: no read, and the write waits for ``write_states`` (all of the
        tick's in two statements)."""
        state = self.states[person_id]
        data = {"prompt_key": key}
        if state is None:
            self.new_states[person_id] = ConversationState(
                person_id=person_id, awaiting=Awaiting.REFLECTION, data=data, updated_at=now
            )
        else:
            self.changed_states[person_id] = state.model_copy(
                update={"awaiting": Awaiting.REFLECTION, "data": data, "updated_at": now}
            )

    def write_states(self, repo: Repo) -> None:
        """Write what ``await_reflection`` kept (``Repo.add_many``, ``Repo.update_many``)."""
        for state in repo.add_many(list(self.new_states.values())):
            self.states[state.person_id] = state
        for state in repo.update_many(list(self.changed_states.values())):
            self.states[state.person_id] = state
        self.new_states.clear()
        self.changed_states.clear()


def _get(
    repo: Repo, ahead: ReadAhead | None, cls: type[R], what: str, found: dict[int, R], id: int
) -> R | None:
    if ahead is not None and (what, id) in ahead.loaded:
        return found.get(id)
    return repo.get(cls, id)


@dataclass(frozen=True)
class NudgeMessage:
    message: Message
    prompt_key: str | None = None  # a reflection prompt: the question it asked


def remember_prompt(
    repo: Repo, nudge: Nudge, composed: NudgeMessage, now: datetime, ahead: ReadAhead | None
) -> None:
    """After a reflection prompt is queued: the person's next typed message answers it."""
    if composed.prompt_key is None:
        return
    if ahead is not None and nudge.person_id in ahead.states:
        ahead.await_reflection(repo, nudge.person_id, now, composed.prompt_key)
    else:
        set_awaiting(
            repo, nudge.person_id, Awaiting.REFLECTION, now, prompt_key=composed.prompt_key
        )


def compose(
    repo: Repo,
    nudge: Nudge,
    now: datetime,
    ahead: ReadAhead | None = None,
    config: CoreConfig | None = None,
) -> NudgeMessage | None:
    """The message for one nudge, in its recipient's language; None if no longer relevant.
    Reads only; ``ahead`` (from ``ReadAhead.load``) answers the reads from memory; ``config``
    has the deadlines the digest's follow-up list judges by."""
    if nudge.kind == "coordinator-digest":
        person = repo.get(Person, nudge.person_id)
        if person is None or person.erased_at is not None:
            return None
        digest = digest_message(
            repo, nudge.programme_id or 0, now, config or CoreConfig(), texts_for(person)
        )
        return None if digest is None else NudgeMessage(digest)
    message, prompt_key = _compose(repo, nudge, now, ahead)
    return None if message is None else NudgeMessage(message, prompt_key)


def _prompt_week(nudge: Nudge, t: Texts) -> date:
    """The local week a reflection prompt belongs to: the week its key names
    (``reflection:<person>:<iso-week>``), even when quiet hours moved it into the next."""
    try:
        year, week = nudge.key.rsplit(":", 1)[1].split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        return nudge.due_at.astimezone(t.tz).date()


def _compose(
    repo: Repo, nudge: Nudge, now: datetime, ahead: ReadAhead | None
) -> tuple[Message | None, str | None]:
    people: dict[int, Person] = ahead.people if ahead else {}

    def get_person(person_id: int) -> Person | None:
        return _get(repo, ahead, Person, "person", people, person_id)

    person = get_person(nudge.person_id)
    if person is None or person.erased_at is not None:
        return None, None
    t = texts_for(person)
    pair = (
        _get(repo, ahead, Pair, "pair", ahead.pairs if ahead else {}, nudge.pair_id)
        if nudge.pair_id
        else None
    )
    if (
        nudge.pair_id
        and (pair is None or not pair.phase.is_open)
        and nudge.kind not in ("delivery-failed-coordinator",)
    ):
        return None, None
    meeting = (
        _get(repo, ahead, Meeting, "meeting", ahead.meetings if ahead else {}, nudge.meeting_id)
        if nudge.meeting_id
        else None
    )
    partner = (
        get_person(pair.partner_of(person.id or 0))
        if pair and person.id in pair.member_ids()
        else None
    )
    partner_name = partner.display_name if partner else ""
    kind = nudge.kind

    if kind == "reflection-prompt":
        week = _prompt_week(nudge, t)
        if ahead is not None and person.id in ahead.states:
            pairs = ahead.open_pairs[person.id or 0]
            key = reflection.next_prompt_key(repo, person, week, pairs=pairs)
        else:
            key = reflection.next_prompt_key(repo, person, week)
        return reflection.prompt_message(t, key), key
    return _word(repo, nudge, now, ahead, person, pair, meeting, partner_name, get_person), None


def _word(
    repo: Repo,
    nudge: Nudge,
    now: datetime,
    ahead: ReadAhead | None,
    person: Person,
    pair: Pair | None,
    meeting: Meeting | None,
    partner_name: str,
    get_person: Callable[[int], Person | None],
) -> Message | None:
    """Every kind but the reflection prompt: reads only."""
    t = texts_for(person)
    kind = nudge.kind
    pid = PairRef(pair.id or 0).encode() if pair is not None else ""
    if kind in ("meeting-reminder", "preparation-prompt", "checkin-prompt"):
        if meeting is None or pair is None or meeting.status == MeetingStatus.CANCELLED:
            return None
        if kind == "checkin-prompt":
            if ahead is not None and ("checkins", meeting.id or 0) in ahead.loaded:
                logged = (meeting.id, person.id) in ahead.checked_in
            else:
                logged = repo.first(CheckIn, meeting_id=meeting.id, author_id=person.id) is not None
            if logged:
                return None  # already logged: no longer relevant
            return Message(
                sections=(
                    Section(
                        text=t(
                            "nudge.checkin", partner=partner_name, when=t.when(meeting.starts_at)
                        )
                    ),
                ),
                buttons=(
                    button(
                        t,
                        "button.checkin",
                        Action.OPEN_CHECKIN,
                        PairMeetingRef(pair.id or 0, meeting.id).encode(),
                        "primary",
                    ),
                ),
            )
        if meeting.status != MeetingStatus.BOOKED or meeting.starts_at <= now:
            return None
        if kind == "preparation-prompt":
            return Message(
                sections=(
                    Section(
                        text=t("nudge.prep", partner=partner_name, when=t.when(meeting.starts_at))
                    ),
                ),
                buttons=(
                    button(
                        t,
                        "button.prep",
                        Action.ANSWER_PREP,
                        MeetingRef(meeting.id or 0).encode(),
                        "primary",
                    ),
                ),
            )
        guide = Section(text=t("nudge.first_meeting_reminder")) if meeting.is_first else None
        sections = (
            Section(
                text=t(
                    "nudge.reminder",
                    partner=partner_name,
                    when=t.when(meeting.starts_at),
                    place=meeting.place or "—",
                )
            ),
        )
        return Message(sections=sections + ((guide,) if guide else ()))
    if kind == "meeting-overdue" and pair is not None:
        return Message(
            sections=(Section(text=t("nudge.overdue", partner=partner_name)),),
            buttons=(
                button(t, "button.book_meeting", Action.BOOK_MEETING, pid, "primary"),
                button(t, "button.checkin", Action.OPEN_CHECKIN, pid),
            ),
        )
    if kind == "phase-deadline" and pair is not None:
        if nudge.detail and pair.phase != nudge.detail:
            return None
        action = {
            "intro": Action.BOOK_MEETING,
            "goals": Action.VIEW_GOALS,
            "agreement": Action.VIEW_AGREEMENT,
        }.get(pair.phase, Action.HOME)
        return Message(
            sections=(Section(text=t("nudge.phase." + pair.phase, partner=partner_name)),),
            buttons=(button(t, "button.next_step", action, pid, "primary"),),
        )
    if kind == "phase-deadline-coordinator" and pair is not None:
        if nudge.detail and pair.phase != nudge.detail:
            return None
        mentor, adept = get_person(pair.mentor_id), get_person(pair.adept_id)
        days = (now - pair.phase_since).days
        return text(
            t(
                "nudge.coordinator_stuck",
                mentor=mentor.display_name if mentor else "?",
                adept=adept.display_name if adept else "?",
                phase=t("phase." + pair.phase),
                n=days,
            )
        )
    if kind in ("midpoint-review", "closing-review") and pair is not None:
        return review_message(t, pair, "midpoint" if kind == "midpoint-review" else "closing")
    if kind == "pulse" and pair is not None:
        return pulse.pulse_message(t, pair.id or 0, int(nudge.detail or nudge.key.split(":")[2]))
    if kind == "delivery-failed-coordinator":
        return failure_note(t, nudge.detail, get_person, pair)
    return None
