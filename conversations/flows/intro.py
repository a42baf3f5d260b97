"""Welcome on enrolment; introduction of a new pair with the first-meeting guide (METHOD.md,
article 4 §4: place, at least one hour, introductions, strengths and weaknesses)."""

from __future__ import annotations

from conversations.flows.meetings import FIRST_MEETING_MINUTES
from conversations.i18n import Texts, normalise_locale
from conversations.messages import Message, Section
from conversations.records import Pair, Person, Programme, Purpose, Role
from conversations.refs import PairRef
from conversations.routes import Action
from conversations.turn import Turn, button


def welcome_message(t: Texts, programme: Programme, role: Role, purposes: list[Purpose]) -> Message:
    return Message(
        title=t("welcome.title", programme=programme.name),
        sections=(
            Section(
                text=t(
                    "welcome.body",
                    programme=programme.name,
                    purposes=", ".join(t("purpose." + p) for p in purposes),
                    start=t.date(programme.starts_on),
                    end=t.date(programme.ends_on),
                )
            ),
            Section(text=t("welcome.role." + role)),
            Section(text=t("welcome.why")),
        ),
        buttons=(
            button(t, "button.settings", Action.OPEN_SETTINGS),
            button(t, "button.help", Action.HELP),
        ),
        note=t("welcome.privacy"),
    )


def first_meeting_guide(t: Texts, programme: Programme) -> Section:
    minutes = max(FIRST_MEETING_MINUTES, programme.meeting_minutes)
    return Section(text=t("intro.guide", minutes=minutes))


def introduce(turn: Turn, pair: Pair, programme: Programme, mentor: Person, adept: Person) -> None:
    """A group message to both (or, when they speak different languages, the same message to
    each in their own), then a role-specific next step to each."""
    pid = PairRef(pair.id or 0).encode()

    def group(t: Texts) -> Message:
        return Message(
            title=t("intro.title"),
            sections=(
                Section(
                    text=t(
                        "intro.body",
                        mentor=mentor.display_name,
                        adept=adept.display_name,
                        programme=programme.name,
                        end=t.date(pair.ends_on),
                    )
                ),
                first_meeting_guide(t, programme),
            ),
            buttons=(button(t, "button.book_first_meeting", Action.BOOK_MEETING, pid, "primary"),),
            note=t("intro.note"),
        )

    if normalise_locale(mentor.locale) == normalise_locale(adept.locale):
        turn.send_group(pair.id or 0, adept, group, kind="intro", programme_id=programme.id)
    else:  # a shared message speaks one language: each reads it in their own instead
        for member in (mentor, adept):
            turn.send(
                member.id or 0, group, kind="intro", programme_id=programme.id, pair_id=pair.id
            )
    for person, role in ((mentor, Role.MENTOR), (adept, Role.ADEPT)):
        partner = adept if role == Role.MENTOR else mentor

        def dm(t: Texts, role: Role = role, partner: Person = partner) -> Message:
            sections = [Section(text=t("intro.dm." + role, partner=partner.display_name))]
            if programme.template == "new-managers" and role == Role.ADEPT:
                sections.append(Section(text=t("intro.new_managers_topics")))
            return Message(
                sections=tuple(sections),
                buttons=(
                    button(t, "button.book_first_meeting", Action.BOOK_MEETING, pid, "primary"),
                    button(t, "button.home", Action.HOME),
                ),
            )

        turn.send(person.id or 0, dm, kind="intro", programme_id=programme.id, pair_id=pair.id)
