"""The wording of scheduled nudges (see conversations/nudges.py for the kinds)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from conversations.flows import reflection
from conversations.flows.basics import plain
from conversations.flows.review import review_message
from conversations.messages import Message, Section
from conversations.nudges import Nudge
from conversations.ports import Repo
from conversations.records import CheckIn, Meeting, Pair, Person, Programme
from conversations.turn import button, set_awaiting, texts_for


def compose(repo: Repo, nudge: Nudge, now: datetime) -> Message | None:
    person = repo.get(Person, nudge.person_id)
    if person is None or person.erased_at is not None:
        return None
    t = texts_for(person)
    pair = repo.get(Pair, nudge.pair_id) if nudge.pair_id else None
    if (
        nudge.pair_id
        and (pair is None or not pair.phase.is_open)
        and nudge.kind not in ("delivery-failed-coordinator",)
    ):
        return None
    meeting = repo.get(Meeting, nudge.meeting_id) if nudge.meeting_id else None
    partner = (
        repo.get(Person, pair.partner_of(person.id or 0))
        if pair and person.id in pair.member_ids()
        else None
    )
    partner_name = partner.display_name if partner else ""
    kind = nudge.kind

    if kind == "reflection-prompt":
        key = reflection.next_prompt_key(repo, person)
        set_awaiting(repo, person.id or 0, "reflection", now, prompt_key=key)
        return reflection.prompt_message(t, key)
    if kind in ("meeting-reminder", "preparation-prompt", "checkin-prompt"):
        if meeting is None or pair is None or meeting.status == "cancelled":
            return None
        if kind == "checkin-prompt":
            if repo.first(CheckIn, meeting_id=meeting.id, author_id=person.id):
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
                        t, "button.checkin", "checkin.open", f"{pair.id}:{meeting.id}", "primary"
                    ),
                ),
            )
        if meeting.status != "booked" or meeting.starts_at <= now:
            return None
        if kind == "preparation-prompt":
            return Message(
                sections=(
                    Section(
                        text=t("nudge.prep", partner=partner_name, when=t.when(meeting.starts_at))
                    ),
                ),
                buttons=(button(t, "button.prep", "prep.answer", str(meeting.id), "primary"),),
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
                button(t, "button.book_meeting", "meeting.book", str(pair.id), "primary"),
                button(t, "button.checkin", "checkin.open", str(pair.id)),
            ),
        )
    if kind == "phase-deadline" and pair is not None:
        if nudge.detail and pair.phase != nudge.detail:
            return None
        action = {
            "intro": "meeting.book",
            "goals": "goals.view",
            "agreement": "agreement.view",
        }.get(pair.phase, "home")
        return Message(
            sections=(Section(text=t("nudge.phase." + pair.phase, partner=partner_name)),),
            buttons=(button(t, "button.next_step", action, str(pair.id), "primary"),),
        )
    if kind == "phase-deadline-coordinator" and pair is not None:
        if nudge.detail and pair.phase != nudge.detail:
            return None
        mentor, adept = repo.get(Person, pair.mentor_id), repo.get(Person, pair.adept_id)
        days = (now - pair.phase_since).days
        return plain(
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
    if kind == "coordinator-digest":
        programme = repo.get(Programme, nudge.programme_id or 0)
        if programme is None or programme.status != "open":
            return None
        pairs = repo.find(Pair, programme_id=programme.id)
        phases = Counter(p.phase for p in pairs)
        held = [m for m in repo.find(Meeting, pair_id=[p.id for p in pairs]) if m.status == "held"]
        lines = ", ".join(f"{t('phase.' + ph)} {n}" for ph, n in sorted(phases.items())) or "—"
        return Message(
            title=t("digest.title", programme=programme.name),
            sections=(
                Section(text=t("digest.body", pairs=len(pairs), phases=lines, meetings=len(held))),
            ),
            buttons=(button(t, "button.home", "home"),),
            note=t("status.privacy"),
        )
    if kind == "delivery-failed-coordinator":
        return plain(t("nudge.delivery_failed", detail=nudge.detail[:200]))
    return None
