"""What a flow answers to, declared by the flow itself.

Each flow module ends with one ``ROUTES = Routes(...)``: its commands (with aliases and
audience), the buttons it handles (by ``Action``), the forms (by ``FormId``) and the typed
answers it awaits. The engine gathers every flow's routes (``conversations.engine.FLOWS``) and
``help`` is derived from the gathered commands, so a new command is one entry in its own flow.

``Action`` and ``FormId`` name every button and form once: a button is built with
``Action.BOOK_MEETING`` and routed by the same member, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from conversations.flags import NO_FLAGS, FlagTable

if TYPE_CHECKING:
    from conversations.messages import Reply
    from conversations.parsing import CommandLine
    from conversations.turn import Turn

CommandHandler = Callable[["Turn", "CommandLine", dict[str, str]], "Reply"]
# Whether a line with arguments is a valid use of the command (``paus 2v``), as opposed to a
# sentence that happens to start with its word (``Möte med chefen gick bra``).
Accepts = Callable[["Turn", "CommandLine"], bool]
ButtonHandler = Callable[["Turn", str], "Reply"]
FormHandler = Callable[["Turn", dict[str, str], str], "Reply"]
AnswerHandler = Callable[["Turn", str, dict[str, object]], "Reply"]


class Audience(StrEnum):
    """Who may use a route. Checked centrally by the engine for every kind of route."""

    EVERYONE = "everyone"
    PAIR = "pair"  # a member of an open pair
    COORDINATOR = "coordinator"


class Action(StrEnum):
    """Every button the bot shows."""

    HOME = "home"
    HELP = "help"
    OPEN_SETTINGS = "settings.open"
    OPEN_PAUSE = "pause.open"
    RESUME = "resume"
    CONFIRM_FORGET = "forget.confirm"
    BOOK_MEETING = "meeting.book"
    DRAFT_GOALS = "goals.draft"
    CONFIRM_GOALS = "goals.confirm"
    COMMENT_GOALS = "goals.comment"
    VIEW_GOALS = "goals.view"
    PROPOSE_AGREEMENT = "agreement.propose"
    ACCEPT_AGREEMENT = "agreement.accept"
    VIEW_AGREEMENT = "agreement.view"
    ANSWER_PREP = "prep.answer"
    OPEN_CHECKIN = "checkin.open"
    OPEN_REFLECTION = "reflect.open"
    VIEW_JOURNAL = "journal.view"
    MIDPOINT_REVIEW = "review.midpoint"
    CLOSING_REVIEW = "review.closing"
    CONFIRM_ODD_MEETING = "meeting.confirm_odd"  # at night or on a weekend: book anyway
    SETTLE_MEETING = "meeting.settle"  # the check-ins disagree: did we meet?
    MOVE_MEETING = "meeting.move"  # opens the meeting form with its time, length and place
    CANCEL_MEETING = "meeting.cancel"  # asks first …
    CONFIRM_CANCEL_MEETING = "meeting.cancel_confirm"  # … and cancels
    SAVE_PARKED = "parked.save"  # a line that was both a command and an answer: the answer
    RUN_PARKED = "parked.run"  # … or the command
    CHOOSE_PROGRAMME = "programme.choose"  # several open programmes: this one, for the command
    CLOSE_PROGRAMME = "programme.close"  # yes, close it
    CHOOSE_PAIR = "pair.choose"  # in several pairs: the command is for this one
    REMIND_PAIR = "followup.remind"  # the coordinator nudges a pair on the follow-up list
    PAUSE_PAIR = "followup.pause"  # … pauses it (a form asks until when, and why)
    END_PAIR = "followup.end"  # … ends it (a form asks how, and why)
    ANSWER_PULSE = "pulse.answer"  # a member answers the relationship pulse (opens its form)
    ACCEPT_INVITATION = "invitation.accept"  # opens the intake form
    DECLINE_INVITATION = "invitation.decline"
    CONSENT = "enrolment.consent"  # enrolled by hand: I agree to the data use
    DECLINE_CONSENT = "enrolment.decline"
    APPROVE_PROPOSAL = "match.approve"  # one drafted pair
    APPROVE_ALL = "match.approve_all"  # every draft of a run
    DISCARD_PROPOSALS = "match.discard"  # every draft of a run


class FormId(StrEnum):
    """Every form the bot opens."""

    SETTINGS = "settings"
    PAUSE = "pause"
    MEETING = "meeting"
    MOVE_MEETING = "meeting.move"
    GOALS = "goals"
    GOALS_COMMENT = "goals.comment"
    AGREEMENT = "agreement"
    PREP = "prep"
    CHECKIN = "checkin"
    REFLECTION = "reflection"
    MIDPOINT_REVIEW = "review.midpoint"
    CLOSING_REVIEW = "review.closing"
    PROGRAMME = "programme"  # a new programme: what `program new` did not say
    PAUSE_PAIR = "followup.pause"
    END_PAIR = "followup.end"
    PULSE = "pulse"
    INTAKE = "intake"  # an accepted invitation: about me, and consent


class Awaiting(StrEnum):
    """What a person's next typed message may answer."""

    REFLECTION = "reflection"


@dataclass(frozen=True)
class CommandRoute:
    name: str  # the English word; also the key of its help and usage texts
    aliases: tuple[str, ...]
    audience: Audience
    handler: CommandHandler
    # While a typed answer is awaited, a line with arguments runs as this command only when
    # ``accepts`` says it is a valid use; otherwise the person is asked which they meant.
    accepts: Accepts | None = None
    # The flags it takes (``--start``): the engine refuses any other before the handler runs,
    # and help shows them in the reader's language.
    flags: FlagTable = NO_FLAGS


@dataclass(frozen=True)
class ButtonRoute:
    action: Action
    handler: ButtonHandler
    # Buttons that carry a pair check membership of *that* pair themselves (a finer check,
    # with a better answer for a pair that has ended), so most are for everyone.
    audience: Audience = Audience.EVERYONE


@dataclass(frozen=True)
class FormRoute:
    form_id: FormId
    handler: FormHandler
    audience: Audience = Audience.EVERYONE


@dataclass(frozen=True)
class AnswerRoute:
    awaiting: Awaiting
    handler: AnswerHandler


@dataclass(frozen=True)
class Routes:
    """One flow's routes. ``Routes.gather`` merges several and refuses a name used twice."""

    commands: tuple[CommandRoute, ...] = ()
    buttons: tuple[ButtonRoute, ...] = ()
    forms: tuple[FormRoute, ...] = ()
    answers: tuple[AnswerRoute, ...] = ()

    @staticmethod
    def gather(parts: Iterable[Routes]) -> Routes:
        parts = list(parts)
        gathered = Routes(
            commands=tuple(c for p in parts for c in p.commands),
            buttons=tuple(b for p in parts for b in p.buttons),
            forms=tuple(f for p in parts for f in p.forms),
            answers=tuple(a for p in parts for a in p.answers),
        )
        words = [w for c in gathered.commands for w in (c.name, *c.aliases)]
        checks: tuple[tuple[str, list[str]], ...] = (
            ("command word", words),
            ("button", [str(b.action) for b in gathered.buttons]),
            ("form", [str(f.form_id) for f in gathered.forms]),
            ("answer", [str(a.awaiting) for a in gathered.answers]),
        )
        for kind, names in checks:
            twice = sorted({n for n in names if names.count(n) > 1})
            if twice:
                raise ValueError(f"{kind} routed twice: {', '.join(twice)}")
        return gathered

    def command(self, word: str) -> CommandRoute | None:
        lowered = word.lower()
        for route in self.commands:
            if lowered == route.name or lowered in route.aliases:
                return route
        return None

    def button(self, action: str) -> ButtonRoute | None:
        return next((b for b in self.buttons if b.action == action), None)

    def form(self, form_id: str) -> FormRoute | None:
        return next((f for f in self.forms if f.form_id == form_id), None)

    def answer(self, awaiting: str | None) -> AnswerRoute | None:
        return next((a for a in self.answers if a.awaiting == awaiting), None)
