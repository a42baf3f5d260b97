"""One turn of the conversation: the context every flow step receives.

A flow step reads and writes through ``turn.repo`` (one transaction), answers the actor through
its return value (a ``Reply``) and addresses everybody else through ``turn.send`` (outbox rows in
the same transaction: nothing is sent unless everything was saved).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from conversations.config import CoreConfig
from conversations.events import Group
from conversations.flags import FlagTable
from conversations.i18n import Texts
from conversations.messages import Button, Form, FormField, Message, Reply, Section
from conversations.parsing import ParseError, parse_date, parse_local_datetime
from conversations.ports import Repo
from conversations.records import (
    AuditEntry,
    ConversationState,
    OutboxItem,
    Pair,
    Person,
    Programme,
)


class CommandInfo(Protocol):
    """What help needs to know of a command (``conversations.routes.CommandRoute`` has it):
    declared here so that the turn, below the routes, imports nothing of them."""

    @property
    def name(self) -> str: ...

    @property
    def aliases(self) -> tuple[str, ...]: ...

    @property
    def audience(self) -> str: ...

    @property
    def flags(self) -> FlagTable: ...


def texts_for(person: Person) -> Texts:
    return _texts(person.locale, person.timezone)


@functools.lru_cache(maxsize=256)
def _texts(locale: str, timezone: str) -> Texts:
    """One ``Texts`` per language and zone (it holds no state of its own; building one parses
    the locale: a tick words a thousand nudges for a handful of them)."""
    return Texts(locale, timezone)


@dataclass
class Turn:
    repo: Repo
    now: datetime
    person: Person
    config: CoreConfig
    key: str  # unique per handled event; outbox keys derive from it
    sent: int = 0
    # Every command the engine routes, in the flows' order (help lists them from here).
    commands: Sequence[CommandInfo] = ()
    # When a message this turn causes may reach someone else (the engine gives the calendar's
    # ``allowed_from``: their working hours, working days and public holidays).
    allowed_from: Callable[[Person, datetime], datetime] = lambda person, moment: moment
    # The pair a member in several pairs chose with a button for a typed command (the engine
    # asks instead of guessing: a check-in for one adept must never reach another).
    chosen_pair: int | None = None
    # The channels, user groups and files the command's adapter expanded (``invite``).
    groups: tuple[Group, ...] = ()
    # Whether the person was in an open pair when the turn began, read with them in one
    # statement (``conversations.pairs.in_pair``); None: not read.
    in_pair: bool | None = None

    @property
    def t(self) -> Texts:
        return texts_for(self.person)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.t.tz).date()

    def person_by_id(self, person_id: int) -> Person:
        found = self.repo.get(Person, person_id)
        if found is None:
            raise LookupError(f"person {person_id}")
        return found

    def held_until(self, people: Sequence[Person], programme_id: int | None) -> datetime | None:
        """When a message of a programme that has not started yet may reach all of
        ``people``: the first allowed time (working hours) on or after its start date on each
        one's calendar, for the last of them. None once it has started for each of them:
        nothing of a programme reaches anyone before its start date."""
        programme = self.repo.get(Programme, programme_id) if programme_id else None
        if programme is None:
            return None
        starts = [
            datetime.combine(programme.starts_on, time(0), tzinfo=ZoneInfo(p.timezone)).astimezone(
                UTC
            )
            for p in people
        ]
        if all(start <= self.now for start in starts):
            return None
        return max(
            self.allowed_from(p, max(start, self.now))
            for p, start in zip(people, starts, strict=True)
        )

    def send(
        self,
        person_id: int,
        build: Callable[[Texts], Message],
        *,
        kind: str = "notice",
        programme_id: int | None = None,
        pair_id: int | None = None,
        after: timedelta | None = None,
    ) -> None:
        """Queue a message to one person (about ``pair_id``, if given), worded in their own
        language. To anyone but the actor it is due at the recipient's next allowed time
        (quiet hours), not at once; of a programme that has not started, not before its start
        date (``held_until``); ``after``: not before that long from now (a reminder)."""
        recipient = self.person_by_id(person_id)
        if recipient.erased_at is not None:
            return
        moment = self.now + after if after is not None else self.now
        due_at = self.held_until([recipient], programme_id) or (
            moment
            if person_id == self.person.id and after is None
            else self.allowed_from(recipient, moment)
        )
        self.sent += 1
        self.repo.enqueue(
            OutboxItem(
                key=f"{self.key}:{self.sent}",
                person_id=person_id,
                pair_id=pair_id,
                programme_id=programme_id,
                kind=kind,
                payload=build(texts_for(recipient)).model_dump(mode="json"),
                due_at=due_at,
                created_at=self.now,
            )
        )

    def send_group(
        self,
        pair_id: int,
        lang_of: Person,
        build: Callable[[Texts], Message],
        *,
        kind: str = "notice",
        programme_id: int | None = None,
    ) -> None:
        """Queue one message to a pair's shared conversation (a group DM), due when it is an
        allowed time for the later of its members who did not cause it (as ``send``); of a
        programme that has not started, not before its start date for both."""
        pair = self.repo.get(Pair, pair_id)
        members = [self.person_by_id(m) for m in (pair.member_ids() if pair else ())]
        due_at = self.held_until(members, programme_id) or max(
            (self.allowed_from(m, self.now) for m in members if m.id != self.person.id),
            default=self.now,
        )
        self.sent += 1
        self.repo.enqueue(
            OutboxItem(
                key=f"{self.key}:{self.sent}",
                pair_id=pair_id,
                programme_id=programme_id,
                kind=kind,
                payload=build(texts_for(lang_of)).model_dump(mode="json"),
                due_at=due_at,
                created_at=self.now,
            )
        )

    def audit(self, action: str, subject: str = "", **detail: Any) -> None:
        self.repo.add(
            AuditEntry(
                at=self.now, actor_id=self.person.id, action=action, subject=subject, detail=detail
            )
        )

    def await_answer(self, awaiting: str | None, **data: Any) -> None:
        set_awaiting(self.repo, self.person.id or 0, awaiting, self.now, **data)

    # Replies -----------------------------------------------------------------
    def say(self, key: str, **values: Any) -> Reply:
        return Reply(messages=[Message(sections=(Section(text=self.t(key, **values)),))])

    def show(self, *messages: Message) -> Reply:
        return Reply(messages=list(messages))


def set_awaiting(
    repo: Repo, person_id: int, awaiting: str | None, now: datetime, **data: Any
) -> None:
    """Remember what the person's next typed message answers (or forget it with None)."""
    state = repo.first(ConversationState, person_id=person_id)
    if state is None:
        repo.add(
            ConversationState(person_id=person_id, awaiting=awaiting, data=data, updated_at=now)
        )
    else:
        repo.update(
            state.model_copy(update={"awaiting": awaiting, "data": data, "updated_at": now})
        )


# Forms ------------------------------------------------------------------------

RATING_CHOICES = ("1", "2", "3", "4", "5")


def validate(
    form: Form, values: dict[str, str], t: Texts, now: datetime
) -> tuple[dict[str, Any], dict[str, str]]:
    """Check every field of a submitted form. Returns (clean values, errors by field name).
    Unknown fields are ignored; text is stripped; nothing is saved by this function."""
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    values = form.applicable(values)
    for spec in form.fields:
        raw = (values.get(spec.name) or "").strip()
        if not raw:
            if spec.required:
                errors[spec.name] = t("error.required")
            clean[spec.name] = None
            continue
        if len(raw) > spec.max_length and spec.kind not in ("number", "rating"):
            # A number's own check says what fits ("from 1 to 5"), not "2 characters of 1".
            errors[spec.name] = t("error.too_long", n=len(raw), limit=spec.max_length)
            continue
        try:
            clean[spec.name] = _convert(spec, raw, t, now)
        except ParseError as exc:
            errors[spec.name] = t(exc.key, **exc.values)
    return clean, errors


def _convert(spec: FormField, raw: str, t: Texts, now: datetime) -> Any:
    if spec.kind in ("number", "rating"):
        digits = raw.lstrip("-")
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 9:  # "¹" is no number
            shown = raw if len(raw) <= 20 else raw[:20] + "…"  # quoted back in the error
            raise ParseError(
                "error.rating" if spec.kind == "rating" else "error.number", value=shown
            )
        number = int(raw)
        if spec.kind == "rating" and not 1 <= number <= 5:
            raise ParseError("error.rating")
        if spec.kind == "number" and not 0 < number < 10_000:
            raise ParseError("error.number", value=raw[:20])
        return number
    if spec.kind == "date":
        return parse_date(raw, now.astimezone(t.tz).date())
    if spec.kind == "datetime":
        return parse_local_datetime(raw, t.tz, now)
    if spec.kind == "bool":
        lowered = raw.lower()
        if lowered in ("yes", "ja", "y", "j", "true", "1"):
            return True
        if lowered in ("no", "nej", "n", "false", "0"):
            return False
        raise ParseError("error.yes_no")
    if spec.kind == "choice":
        allowed = {c.value for c in spec.choices}
        if raw not in allowed:
            # Accept the label too (the console shows labels).
            by_label = {c.label.lower(): c.value for c in spec.choices}
            if raw.lower() in by_label:
                return by_label[raw.lower()]
            raise ParseError("error.choice", options=", ".join(c.label for c in spec.choices))
        return raw
    return raw


def rating_field(name: str, label: str, *, required: bool = True, initial: str = "") -> FormField:
    return FormField(
        name=name, label=label, kind="rating", required=required, initial=initial, max_length=1
    )


def button(
    t: Texts,
    key: str,
    action: str,
    value: str = "",
    style: Literal["primary", "danger"] | None = None,
) -> Button:
    return Button(label=t(key), action=action, value=value, style=style)
