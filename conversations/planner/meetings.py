"""Meeting nudges (subject ``pair:<id>``): reminder, preparation, check-in and overdue.

* **Meeting reminder** — ``PlanRules.reminder_hours`` (24 h) before a booked meeting, to both
  members (only when booked more than that ahead). A blocked time moves forward; if that would
  reach the meeting, it moves back to the last allowed time before.
* **Preparation prompt** — ``PlanRules.preparation_hours`` (48 h) before a booked meeting (or
  at booking, when booked later than that), to the adept only: "which challenge will you
  bring?".
* **Check-in prompt** — at a booked/held meeting's end (start + length), to each member who
  has not checked in for it.
* **Meeting overdue** — an active pair whose last held/booked meeting (or, without one, the
  start of the active phase) is older than the agreed cadence (the in-force agreement's
  ``cadence_days``, else the programme's) plus ``CoreConfig.overdue_grace_days``. Once per gap
  (key ``overdue:<pair>:<n>:<person>``, n = meetings so far), at a time both members share.

Reminder, preparation and check-in are tied to an occurrence: one that falls into a pause is
skipped. The overdue nudge waits until after the pause."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from conversations.nudges import Nudge
from conversations.planner.calendar import (
    calendar_of,
    last_allowed_before,
    next_allowed,
    paused,
    remembered,
)
from conversations.planner.context import Ctx, pair_times
from conversations.planner.views import MeetingView, PairView, PersonView
from conversations.records import MeetingStatus, Phase


def meeting_nudges(ctx: Ctx) -> Iterator[Nudge]:
    view, rules, queued = ctx.view, ctx.rules, ctx.view.queued
    pairs = {p.id: p for p in view.pairs}
    # A prompt before a meeting is due at most 8 days before its nominal time (moved back).
    latest = ctx.now + ctx.horizon + timedelta(hours=rules.preparation_hours, days=8)
    # Meetings that ended earlier are not looked at (the view holds every live one).
    oldest = ctx.now - timedelta(days=rules.meeting_lookback_days)
    for meeting in view.meetings:
        if not ctx.plans(f"pair:{meeting.pair_id}"):
            continue
        if meeting.starts_at > latest:
            ctx.later(meeting.starts_at - timedelta(hours=rules.preparation_hours, days=8))
            continue
        if meeting.starts_at + timedelta(minutes=meeting.minutes) < oldest:
            continue
        pair = pairs.get(meeting.pair_id)
        if pair is None or (ctx.pair_filter is not None and pair.id != ctx.pair_filter):
            continue
        starts = meeting.starts_at
        reminder = starts - timedelta(hours=rules.reminder_hours)
        ended = starts + timedelta(minutes=meeting.minutes)
        for member in pair.members:
            if not ctx.wants(member):
                continue
            person = view.people.get(member)
            if person is None:
                continue
            if meeting.status == MeetingStatus.BOOKED and starts > ctx.now:
                if (
                    reminder >= meeting.created_at
                    and f"meeting-reminder:{meeting.id}:{member}" not in queued
                ):
                    due = (
                        reminder
                        if ctx.keys_only and reminder <= ctx.now
                        else _before_meeting(person, pair, reminder, meeting)
                    )
                    if due is not None and not ctx.horizon and due > ctx.now:
                        ctx.later(due)
                    elif due is not None:
                        yield Nudge(
                            f"meeting-reminder:{meeting.id}:{member}",
                            "meeting-reminder",
                            member,
                            due,
                            pair_id=pair.id,
                            meeting_id=meeting.id,
                            programme_id=pair.programme_id,
                        )
                if member == pair.adept_id and f"preparation:{meeting.id}:{member}" not in queued:
                    prep = max(
                        starts - timedelta(hours=rules.preparation_hours), meeting.created_at
                    )
                    due = (
                        prep
                        if ctx.keys_only and prep <= ctx.now
                        else _before_meeting(person, pair, prep, meeting)
                    )
                    if due is not None and not ctx.horizon and due > ctx.now:
                        ctx.later(due)
                    elif due is not None:
                        yield Nudge(
                            f"preparation:{meeting.id}:{member}",
                            "preparation-prompt",
                            member,
                            due,
                            pair_id=pair.id,
                            meeting_id=meeting.id,
                            programme_id=pair.programme_id,
                        )
            if not ctx.horizon and ended > ctx.now:
                ctx.later(ended)
                continue
            if (
                meeting.id,
                member,
            ) in view.checked_in or f"checkin:{meeting.id}:{member}" in queued:
                continue
            local_day = ended.astimezone(person.tz).date()
            if paused(local_day, person.paused_until, pair.paused_until):
                continue
            due = ended if ctx.keys_only else next_allowed(person, ended)
            if due is not None:
                yield Nudge(
                    f"checkin:{meeting.id}:{member}",
                    "checkin-prompt",
                    member,
                    due,
                    pair_id=pair.id,
                    meeting_id=meeting.id,
                    programme_id=pair.programme_id,
                )


_BEFORE: dict[tuple[object, ...], datetime | None] = {}


def _before_meeting(
    person: PersonView, pair: PairView, nominal: datetime, meeting: MeetingView
) -> datetime | None:
    """A prompt meant for ``nominal`` before the meeting: moved forward into allowed hours,
    or back to the last allowed time before ``nominal`` if forward reaches the meeting."""
    cache_key = (
        calendar_of(person),
        pair.paused_until,
        nominal,
        meeting.starts_at,
        meeting.created_at,
    )
    return remembered(
        _BEFORE, cache_key, 500_000, lambda: _move_before(person, pair, nominal, meeting)
    )


def _move_before(
    person: PersonView, pair: PairView, nominal: datetime, meeting: MeetingView
) -> datetime | None:
    local_day = nominal.astimezone(person.tz).date()
    if paused(local_day, person.paused_until, pair.paused_until):
        return None
    due = next_allowed(person, nominal, pair.paused_until, max_days=8)
    if due is not None and due < meeting.starts_at:
        return due
    due = last_allowed_before(person, nominal, pair.paused_until)
    if due is not None and due >= meeting.created_at:
        return due
    return None


def _cadence(ctx: Ctx, pair: PairView) -> int:
    if pair.cadence_days:
        return pair.cadence_days
    programme = ctx.view.programmes.get(pair.programme_id)
    return programme.cadence_days if programme is not None else ctx.config.cadence_days


def overdue(ctx: Ctx, pair: PairView) -> Iterator[Nudge]:
    if pair.phase != Phase.ACTIVE:
        return
    base = pair.last_meeting_at or pair.phase_since
    nominal = base + timedelta(days=_cadence(ctx, pair) + ctx.config.overdue_grace_days)
    if nominal > ctx.now + ctx.horizon:  # moved only forward: not due yet
        ctx.later(nominal)
        return
    keys = {m: f"overdue:{pair.id}:{pair.meeting_count}:{m}" for m in pair.members}
    if all(k in ctx.view.queued for k in keys.values()):
        return
    times = (
        dict.fromkeys(pair.members, nominal) if ctx.keys_only else pair_times(ctx, pair, nominal)
    )
    for member in pair.members:
        if ctx.wants(member) and keys[member] not in ctx.view.queued and member in times:
            yield Nudge(
                keys[member],
                "meeting-overdue",
                member,
                times[member],
                pair_id=pair.id,
                programme_id=pair.programme_id,
                detail=str(pair.meeting_count),
            )
