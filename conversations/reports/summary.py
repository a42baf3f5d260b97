"""The programme's summary, in terms of the purposes it was run for (METHOD.md, article 1):
goals achieved and self-ratings moved where it develops people, how many stayed to the end
where it is about keeping them, and what the closing reviews said as feedback to the programme.

That feedback is the one text people wrote that a coordinator reads, and the closing review's
form says so. It is shown without names: never who wrote it, in alphabetical order (which says
nothing about who wrote which, or when), the names of the programme's people taken out of the
text, and only once enough people have answered that no answer points to its writer."""

from __future__ import annotations

import re
from collections.abc import Iterable
from statistics import fmean

from babel.numbers import format_decimal

from conversations.i18n import Texts
from conversations.meeting_counts import count_meetings
from conversations.messages import Message, Section
from conversations.records import ProgrammeStatus, Purpose
from conversations.reports.facts import ProgrammeFacts

MIN_FEEDBACK_AUTHORS = 3
# What each purpose is measured by: reaching goals (people develop) or staying to the end.
GOALS = frozenset(
    {
        Purpose.LEADERSHIP,
        Purpose.CAREER,
        Purpose.COMPETENCE,
        Purpose.ONBOARDING,
        Purpose.CULTURE,
    }
)
STAYING = frozenset({Purpose.RETENTION, Purpose.RECRUITMENT, Purpose.ONBOARDING, Purpose.CULTURE})
ERASED_NAME = "—"  # what an erased person's display name becomes


def summary_message(facts: ProgrammeFacts, language: str) -> Message:
    t = Texts(language)
    programme = facts.programme
    purposes = ", ".join(t("purpose." + p) for p in programme.purposes)
    header = t(
        "report.summary.period",
        start=t.date(programme.starts_on, "medium"),
        end=t.date(programme.ends_on, "medium"),
        purposes=purposes,
    )
    over = facts.now.date() > programme.ends_on or programme.status == ProgrammeStatus.CLOSED
    sections = [Section(text=header if over else f"{header}\n_{t('report.summary.so_far')}_")]
    sections.append(Section(text=_overall(facts, t)))
    by_goals = [p for p in programme.purposes if p in GOALS]
    if by_goals:
        sections.append(_measured(t, by_goals, _goal_lines(facts, t)))
    by_staying = [p for p in programme.purposes if p in STAYING]
    if by_staying:
        sections.append(_measured(t, by_staying, _staying_lines(facts, t)))
    sections += _feedback(facts, t)
    return Message(
        title=t("report.summary.title", name=programme.name),
        sections=tuple(sections),
        note=t("report.summary.note"),
    )


def _measured(t: Texts, purposes: list[Purpose], lines: list[str]) -> Section:
    heading = t("report.summary.for", purposes=", ".join(t("purpose." + p) for p in purposes))
    return Section(text=f"*{heading}*\n" + "\n".join(lines))


def _overall(facts: ProgrammeFacts, t: Texts) -> str:
    pairs = [p.pair for p in facts.pairs]
    completed = sum(p.end_reason == "completed" for p in pairs if p.ended_at)
    early = sum(p.ended_at is not None for p in pairs) - completed
    meetings = count_meetings((m for p in facts.pairs for m in p.meetings), facts.now)
    return "\n".join(
        [
            t(
                "report.summary.pairs",
                n=len(pairs),
                completed=completed,
                early=early,
                open=len(pairs) - completed - early,
            ),
            t("report.summary.meetings", held=meetings.held, missed=meetings.missed),
        ]
    )


def _goal_lines(facts: ProgrammeFacts, t: Texts) -> list[str]:
    goals = [g for p in facts.pairs for g in p.goals]
    if not goals:
        return [t("report.summary.no_goals")]
    lines = [
        t(
            "report.summary.goals",
            achieved=sum(g.status == "achieved" for g in goals),
            n=len(goals),
            partly=sum(g.status == "partly" for g in goals),
            not_achieved=sum(g.status == "not-achieved" for g in goals),
        )
    ]
    moved = [(g.ratings[0], g.ratings[-1]) for g in goals if len(g.ratings) >= 2]
    if not moved:
        lines.append(t("report.summary.no_ratings"))
        return lines
    lines.append(
        t(
            "report.summary.ratings",
            up=sum(last > first for first, last in moved),
            same=sum(last == first for first, last in moved),
            down=sum(last < first for first, last in moved),
            n=len(moved),
            first=_one_decimal(fmean(first for first, _ in moved), t),
            last=_one_decimal(fmean(last for _, last in moved), t),
        )
    )
    return lines


def _staying_lines(facts: ProgrammeFacts, t: Texts) -> list[str]:
    """Someone stayed to the end if a pair of theirs in the programme completed (after a
    re-match too); those who erased their data are counted, never named."""
    paired = {i for p in facts.pairs for i in p.pair.member_ids()}
    stayed = {
        i
        for p in facts.pairs
        if p.pair.ended_at is not None and p.pair.end_reason == "completed"
        for i in p.pair.member_ids()
    }
    lines = [t("report.summary.stayed", stayed=len(stayed), n=len(paired))]
    left = {m.person_id for m in facts.members if m.left}
    if left:
        lines.append(t("report.summary.left", n=len(left)))
    unpaired = {m.person_id for m in facts.members if not m.left} - paired
    if unpaired:
        lines.append(t("report.summary.unpaired", n=len(unpaired)))
    return lines


def _feedback(facts: ProgrammeFacts, t: Texts) -> list[Section]:
    heading = f"*{t('review.feedback')}*\n"
    if not facts.feedback:
        return [Section(text=heading + t("report.summary.feedback_none"))]
    if facts.feedback_authors < MIN_FEEDBACK_AUTHORS:
        few = t("report.summary.feedback_few", min=MIN_FEEDBACK_AUTHORS, n=facts.feedback_authors)
        return [Section(text=heading + few)]
    placeholder = t("report.summary.name")
    answers = sorted(
        (without_names(text, facts.names.values(), placeholder) for text in facts.feedback),
        key=str.casefold,
    )
    intro = t("report.summary.feedback_intro", n=len(answers))
    return [Section(text=heading + intro)] + [Section(text=f"• {a}") for a in answers]


def without_names(text: str, names: Iterable[str], placeholder: str) -> str:
    """``text`` with each of ``names``, whole or any part of it (a first name, a surname),
    replaced by ``placeholder``, ignoring case. Best effort: a nickname or a misspelt name is
    not recognised, which is why the form tells the writer that coordinators read it."""
    words = {
        word
        for name in names
        if name and name != ERASED_NAME
        for word in (name, *re.split(r"[\s\-.]+", name))
        if len(word.strip()) >= 2
    }
    if not words:
        return text
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.sub(rf"(?<!\w)(?:{alternatives})(?!\w)", placeholder, text, flags=re.IGNORECASE)


def _one_decimal(value: float, t: Texts) -> str:
    return str(format_decimal(value, format="0.0", locale=t.lang))
