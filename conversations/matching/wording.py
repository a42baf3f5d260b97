"""A proposal's reason and an unmatched person's why, in one line of Swedish or English.

The texts are in the catalogs (``matching.*`` in ``conversations/locales``); languages are
named in the reader's language by Babel (``svenska``/``Swedish``), lists joined by its rules
("svenska och engelska", "Swedish and English"), hours written with its decimal sign."""

from __future__ import annotations

from typing import Literal

from babel import Locale
from babel.lists import format_list
from babel.numbers import format_decimal

from conversations.i18n import Texts
from conversations.matching.results import Constraint, Reason, Unmatched, WhyKind
from conversations.records import Role

Language = Literal["sv", "en"]

# The key of each constraint as the unmatched person sees it: the mentor managing the adept
# is "their manager" to the adept and "reports to them" to the mentor.
_SEEN_BY: dict[Role, dict[Constraint, str]] = {
    Role.ADEPT: {
        Constraint.LANGUAGE: "language",
        Constraint.SAME_PERSON: "same_person",
        Constraint.MENTOR_MANAGES: "manager",
        Constraint.ADEPT_MANAGES: "report",
        Constraint.AVOID: "avoid",
        Constraint.HISTORY: "history",
    },
    Role.MENTOR: {
        Constraint.LANGUAGE: "language",
        Constraint.SAME_PERSON: "same_person",
        Constraint.MENTOR_MANAGES: "report",
        Constraint.ADEPT_MANAGES: "manager",
        Constraint.AVOID: "avoid",
        Constraint.HISTORY: "history",
    },
}


def language_name(code: str, language: Language) -> str:
    """A language's name in the reader's language ('sv' -> 'svenska' or 'Swedish')."""
    names = Locale.parse(language).languages
    return str(names.get(code.replace("-", "_"), names.get(code.split("-")[0], code)))


def hours_text(hours: float, language: Language) -> str:
    """'5', '4,5' (Swedish) or '4.5' (English): hours to a tenth."""
    return str(format_decimal(round(hours, 1), locale=language))


def _reason(reason: Reason, t: Texts, language: Language) -> str:
    parts = [
        t("matching.topics", shared=reason.shared_topics, n=reason.wanted_topics)
        if reason.wanted_topics
        else t("matching.no_topics")
    ]
    if reason.shared_languages:
        names = [language_name(code, language) for code in reason.shared_languages]
        parts.append(t("matching.languages", languages=format_list(names, locale=language)))
    if round(reason.overlap_hours, 1) > 0:
        parts.append(t("matching.overlap", hours=hours_text(reason.overlap_hours, language)))
    else:
        parts.append(t("matching.no_overlap"))
    if reason.cross_department:
        parts.append(t("matching.cross_department"))
    return ", ".join(parts)


def _why(unmatched: Unmatched, t: Texts, language: Language) -> str:
    role = unmatched.role
    if unmatched.why is WhyKind.EXCLUDED:
        details = [
            t(f"matching.excluded.{_SEEN_BY[role][constraint]}", n=count)
            for constraint, count in unmatched.excluded
        ]
        return t(f"matching.why.excluded.{role}", details=format_list(details, locale=language))
    if unmatched.why is WhyKind.TAKEN:
        return t(f"matching.why.taken.{role}", n=unmatched.candidates)
    return t(f"matching.why.{unmatched.why}.{role}")


def describe(item: Reason | Unmatched, language: Language) -> str:
    """One line for a coordinator: why a pair fits ('delar 3 av 4 ämnen, båda talar svenska,
    5 h gemensam arbetstid'), or why someone is left unmatched."""
    t = Texts(language)
    if isinstance(item, Reason):
        return _reason(item, t, language)
    return _why(item, t, language)
