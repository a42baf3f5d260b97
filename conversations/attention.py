"""What needs a programme's coordinator, by name: the follow-up list `status` shows (with
buttons to remind, pause or end a pair) and the weekly digest repeats.

People and pairs are named (display names); everything else is a count or a date. Nothing
anyone wrote is read: no journal, check-in, preparation or review text, and of the
relationship pulse only its ratings, per pair (never which member gave which).

What is listed:

* someone enrolled and never paired (or whose pairs all ended early),
* a pair with no first meeting ``first_meeting_deadline_days`` after its introduction,
* meetings reported as not taking place,
* an active pair whose last meeting is older than its cadence plus ``overdue_grace_days``,
* a phase held longer than its deadline (goals, agreement, closing; the active phase is a
  running pair, not a stuck one),
* reminders unanswered ``UNANSWERED_DAYS`` after they went out (nothing happened in the pair
  since: no meeting booked, no check-in, no new phase),
* a low relationship pulse (1 or 2 from either member in the latest round),
* messages that could not be delivered, or may not have been, per person."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from babel.numbers import format_decimal

from conversations.config import CoreConfig
from conversations.i18n import Texts
from conversations.messages import Message, Section
from conversations.pairs import in_force
from conversations.ports import Repo
from conversations.records import (
    CheckIn,
    Enrolment,
    EnrolmentStatus,
    Meeting,
    MeetingStatus,
    OutboxItem,
    OutboxStatus,
    Pair,
    Person,
    Phase,
    Programme,
    Review,
)
from conversations.refs import PairRef
from conversations.routes import Action
from conversations.turn import button

UNANSWERED_DAYS = 3
# The nudges to a pair that expect it to do something.
ANSWERABLE = ("phase-deadline", "meeting-overdue", "coordinator-reminder")
PULSE = "pulse"  # Review.kind of a relationship pulse answer
LOW_PULSE = 2
MAX_PAIR_MESSAGES = 10  # pairs listed with buttons in one `status`; the rest by count


@dataclass(frozen=True)
class Concern:
    kind: str  # the text key under "attention."
    pair: Pair | None  # the pair it is about (buttons), None for a person
    values: dict[str, object]  # names, counts and dates for the text


def concerns(repo: Repo, programme: Programme, now: datetime, config: CoreConfig) -> list[Concern]:
    """What needs the coordinator in ``programme`` at ``now``, pairs by id."""
    enrolments = repo.find(Enrolment, programme_id=programme.id, status=EnrolmentStatus.ACTIVE)
    pairs = sorted(repo.find(Pair, programme_id=programme.id), key=lambda p: p.id or 0)
    # A pair the coordinator paused is not listed until its pause is over.
    running = [
        p
        for p in pairs
        if p.phase.is_open
        and p.introduced_at <= now
        and (p.paused_until is None or p.paused_until < now.date())
    ]
    ids = {e.person_id for e in enrolments} | {i for p in pairs for i in p.member_ids()}
    names = {p.id or 0: p.display_name for p in repo.find(Person, id=sorted(ids))}
    found: list[Concern] = []
    kept = {i for p in pairs if p.phase != Phase.ENDED_EARLY for i in p.member_ids()}
    unpaired = sorted(names[e.person_id] for e in enrolments if e.person_id not in kept)
    if unpaired:
        found.append(Concern("unpaired", None, {"names": ", ".join(unpaired), "n": len(unpaired)}))
    ids_of = [p.id for p in running]
    meetings: dict[int, list[Meeting]] = defaultdict(list)
    for meeting in repo.find(Meeting, pair_id=ids_of):
        meetings[meeting.pair_id].append(meeting)
    checkins: dict[int, list[datetime]] = defaultdict(list)
    for checkin in repo.find(CheckIn, pair_id=ids_of):
        checkins[checkin.pair_id].append(checkin.created_at)
    nudged: dict[int, list[datetime]] = defaultdict(list)
    for row in repo.find(OutboxItem, pair_id=ids_of, kind=list(ANSWERABLE)):
        if row.status == OutboxStatus.SENT and row.sent_at is not None:
            nudged[row.pair_id or 0].append(row.sent_at)
    pulses = _latest_pulses(repo, ids_of)
    for pair in running:
        pid = pair.id or 0
        who: dict[str, object] = {"pair": pair_name(names, pair)}
        found += _pair_concerns(pair, meetings[pid], programme, now, config, who, repo)
        activity = [pair.phase_since, *checkins[pid], *(m.created_at for m in meetings[pid])]
        waiting = [
            s for s in nudged[pid] if s > max(activity) and now - s >= _days(UNANSWERED_DAYS)
        ]
        if waiting:
            found.append(
                Concern("unanswered", pair, {**who, "n": len(waiting), "date": min(waiting)})
            )
        low = pulses.get(pid)
        if low is not None:
            found.append(Concern("pulse_low", pair, {**who, "date": low}))
    found += _deliveries(repo, programme, names)
    return found


def _days(n: int) -> timedelta:
    return timedelta(days=n)


def pair_name(names: dict[int, str], pair: Pair) -> str:
    return f"{names.get(pair.mentor_id, '—')} & {names.get(pair.adept_id, '—')}"


def _pair_concerns(
    pair: Pair,
    meetings: list[Meeting],
    programme: Programme,
    now: datetime,
    config: CoreConfig,
    who: dict[str, object],
    repo: Repo,
) -> list[Concern]:
    found: list[Concern] = []
    held = [m for m in meetings if m.status == MeetingStatus.HELD]
    since_intro = (now - pair.introduced_at).days
    if pair.phase == Phase.INTRO and not held and since_intro > config.first_meeting_deadline_days:
        found.append(Concern("no_first_meeting", pair, {**who, "n": since_intro}))
    missed = [m for m in meetings if m.status == MeetingStatus.MISSED]
    if missed:
        latest = max(m.starts_at for m in missed)
        found.append(Concern("missed", pair, {**who, "n": len(missed), "date": latest}))
    deadlines = {
        Phase.GOALS: config.goals_deadline_days,
        Phase.AGREEMENT: config.agreement_deadline_days,
        Phase.CLOSING: config.stuck_phase_days,
    }
    in_phase = (now - pair.phase_since).days
    deadline = deadlines.get(pair.phase)
    if deadline is not None and in_phase > deadline:
        values = {**who, "n": in_phase, "deadline": deadline, "phase": pair.phase.value}
        found.append(Concern("stuck", pair, values))
    if pair.phase == Phase.ACTIVE:
        agreement = in_force(repo, pair.id or 0)
        cadence = agreement.cadence_days if agreement else programme.cadence_days
        live = [
            m.starts_at for m in meetings if m.status in (MeetingStatus.HELD, MeetingStatus.BOOKED)
        ]
        last = max([pair.phase_since, *live])
        if now - last > _days(cadence + config.overdue_grace_days):
            found.append(
                Concern("overdue", pair, {**who, "n": (now - last).days, "cadence": cadence})
            )
    return found


def _latest_pulses(repo: Repo, pair_ids: list[int | None]) -> dict[int, datetime]:
    """Pairs whose latest pulse round has a 1 or 2 from either member: when it was given."""
    rounds: dict[int, dict[int, list[Review]]] = defaultdict(lambda: defaultdict(list))
    for review in repo.find(Review, pair_id=pair_ids, kind=PULSE):
        rounds[review.pair_id][int(review.answers.get("round") or 0)].append(review)
    low: dict[int, datetime] = {}
    for pair_id, by_round in rounds.items():
        latest = by_round[max(by_round)]
        given = [r.created_at for r in latest if int(r.answers.get("rating") or 5) <= LOW_PULSE]
        if given:
            low[pair_id] = max(given)
    return low


def _deliveries(repo: Repo, programme: Programme, names: dict[int, str]) -> list[Concern]:
    """Messages of the programme that failed, or may not have arrived, per person."""
    failed: dict[int, list[OutboxItem]] = defaultdict(list)
    rows = repo.find(OutboxItem, programme_id=programme.id, status=OutboxStatus.FAILED)
    pair_members = {
        p.id: p.member_ids()
        for p in repo.find(Pair, id=sorted({r.pair_id for r in rows if r.pair_id}))
    }
    for row in rows:
        for person in [row.person_id] if row.person_id else pair_members.get(row.pair_id, ()):
            if person is not None:
                failed[person].append(row)
    found = []
    for person, items in sorted(failed.items(), key=lambda kv: names.get(kv[0], "")):
        unconfirmed = sum((r.error or "").startswith("unconfirmed") for r in items)
        values = {
            "name": names.get(person, "—"),
            "failed": len(items) - unconfirmed,
            "unconfirmed": unconfirmed,
        }
        found.append(Concern("delivery", None, values))
    return found


def concern_line(t: Texts, concern: Concern) -> str:
    values = dict(concern.values)
    for key, value in values.items():
        if isinstance(value, datetime):
            values[key] = t.date(value.astimezone(t.tz).date())
        elif isinstance(value, date):
            values[key] = t.date(value)
    if "phase" in values:
        values["phase"] = t(f"phase.{values['phase']}")
    return t("attention." + concern.kind, **values)


def attention_lines(t: Texts, found: list[Concern]) -> list[str]:
    return [f"• {concern_line(t, c)}" for c in found] or [t("attention.none")]


def attention_messages(t: Texts, programme: Programme, found: list[Concern]) -> list[Message]:
    """What `status` shows of ``found``: the people first, then one message per pair with its
    concerns and the buttons to remind, pause or end it."""
    heading = f"*{t('attention.title', name=programme.name)}*"
    people = [c for c in found if c.pair is None]
    by_pair: dict[int, list[Concern]] = defaultdict(list)
    for concern in found:
        if concern.pair is not None:
            by_pair[concern.pair.id or 0].append(concern)
    if not found:
        return [Message(sections=(Section(text=f"{heading}\n{t('attention.none')}"),))]
    first = "\n".join([heading, *attention_lines(t, people)]) if people else heading
    messages = [Message(sections=(Section(text=first),))]
    for pair_id, items in list(by_pair.items())[:MAX_PAIR_MESSAGES]:
        ref = PairRef(pair_id).encode()
        messages.append(
            Message(
                sections=(Section(text="\n".join(attention_lines(t, items))),),
                buttons=(
                    button(t, "button.remind_pair", Action.REMIND_PAIR, ref, "primary"),
                    button(t, "button.pause_pair", Action.PAUSE_PAIR, ref),
                    button(t, "button.end_pair", Action.END_PAIR, ref, "danger"),
                ),
            )
        )
    more = len(by_pair) - MAX_PAIR_MESSAGES
    if more > 0:
        messages.append(Message(sections=(Section(text=t("attention.more", n=more)),)))
    return messages


def pulse_average(repo: Repo, programme: Programme) -> tuple[float, int] | None:
    """The relationship pulse across the programme: the average rating (1–5) and how many
    answers; None before the first. Never per person, nor per pair."""
    pair_ids = [p.id for p in repo.find(Pair, programme_id=programme.id)]
    ratings = [
        int(r.answers.get("rating") or 0) for r in repo.find(Review, pair_id=pair_ids, kind=PULSE)
    ]
    ratings = [r for r in ratings if 1 <= r <= 5]
    return (sum(ratings) / len(ratings), len(ratings)) if ratings else None


def pulse_line(t: Texts, repo: Repo, programme: Programme) -> str | None:
    found = pulse_average(repo, programme)
    if found is None:
        return None
    average = format_decimal(found[0], format="0.0", locale=t.lang)
    return t("pulse.average", average=average, n=found[1])
