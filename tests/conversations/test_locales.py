"""The Swedish and English catalogs, and how Texts words counts, dates and times."""

from __future__ import annotations

import ast
import re
import string
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from conversations.engine import COMMANDS
from conversations.flows.reflection import PROMPTS
from conversations.flows.review import OUTCOMES
from conversations.i18n import SUPPORTED, Texts, catalog
from conversations.records import Phase, Purpose, Role

CORE = Path(__file__).resolve().parents[2] / "conversations"
GOAL_STATUSES = ("draft", "confirmed", "achieved", "partly", "not-achieved")
LANGS = ("sv", "en")


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def spaces(text: str) -> str:
    """Babel may use (narrow) no-break spaces; compare with plain ones."""
    return re.sub(r"\s", " ", text)


def literal_keys_used_in_code() -> dict[str, list[str]]:
    """String literals passed as the key to t(...), turn.say(...), button(t, ...)."""
    found: dict[str, list[str]] = {}
    for path in sorted(CORE.rglob("*.py")):
        if "locales" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            key_arg = None
            if name in ("t", "say") and node.args:
                key_arg = node.args[0]
            elif name == "button" and len(node.args) >= 2:
                key_arg = node.args[1]
            if isinstance(key_arg, ast.Constant) and isinstance(key_arg.value, str):
                found.setdefault(key_arg.value, []).append(
                    f"{path.relative_to(CORE.parent)}:{node.lineno}"
                )
    return found


# The catalogs -------------------------------------------------------------------------------


def test_swedish_and_english_catalogs_have_exactly_the_same_keys() -> None:
    sv, en = set(catalog("sv")), set(catalog("en"))
    assert sorted(sv - en) == [], "in sv.py only"
    assert sorted(en - sv) == [], "in en.py only"


def test_every_text_has_the_same_placeholders_in_both_languages() -> None:
    sv, en = catalog("sv"), catalog("en")
    mismatched = []
    for key, english in en.items():
        swedish = sv[key]
        if isinstance(english, dict) or isinstance(swedish, dict):
            if not (isinstance(english, dict) and isinstance(swedish, dict)):
                mismatched.append(f"{key}: plural in one language only")
                continue
            for form in {*english, *swedish}:
                if placeholders(english.get(form, "")) != placeholders(swedish.get(form, "")):
                    mismatched.append(
                        f"{key}[{form}]: {english.get(form)!r} vs {swedish.get(form)!r}"
                    )
        elif placeholders(english) != placeholders(swedish):
            mismatched.append(f"{key}: {placeholders(english)} vs {placeholders(swedish)}")
    assert mismatched == []


@pytest.mark.parametrize("lang", LANGS)
def test_every_plural_text_has_one_and_other_forms(lang: str) -> None:
    plurals = {key: entry for key, entry in catalog(lang).items() if isinstance(entry, dict)}
    assert plurals, "the catalog has counted texts"
    assert [key for key, forms in plurals.items() if not {"one", "other"} <= set(forms)] == []


def test_every_literal_text_key_in_the_code_exists() -> None:
    used = literal_keys_used_in_code()
    assert len(used) > 100, "the scan found the flows' texts"
    for lang in LANGS:
        texts = catalog(lang)
        assert {key: where for key, where in used.items() if key not in texts} == {}, lang


def _dynamic_keys() -> list[str]:
    open_phases = [p for p in Phase if p.is_open]
    keys = [f"phase.{p}" for p in Phase]
    keys += [f"purpose.{p}" for p in Purpose]
    keys += [f"role.{r}" for r in Role]
    keys += [f"welcome.role.{r}" for r in Role]
    keys += [f"intro.dm.{r}" for r in Role]
    keys += [f"goals.status.{s}" for s in (*GOAL_STATUSES, *OUTCOMES)]
    keys += [f"home.next_step.{p}.{r}" for p in open_phases for r in Role]
    keys += [f"nudge.phase.{p}" for p in open_phases]
    keys += [f"reflect.prompt.{role}.{name}" for role, names in PROMPTS.items() for name in names]
    keys += [f"end.reason.{r}" for r in ("completed", "ended-early")]
    keys += [f"end.notice.{r}" for r in ("completed", "ended-early")]
    keys += [f"program.status.{s}" for s in ("open", "closed")]
    keys += [f"language.{code}" for code in SUPPORTED]
    for spec in COMMANDS:
        keys += [f"help.{spec.name}", f"usage.{spec.name}", f"error.only_{spec.audience}"]
    keys += [f"help.group.{group}" for group in ("everyone", "pair", "coordinator")]
    for kind in ("midpoint", "closing"):
        keys += [
            f"review.{kind}.title",
            f"review.{kind}.prompt",
            f"review.{kind}.already",
            f"button.review_{kind}",
        ]
    return keys


@pytest.mark.parametrize("lang", LANGS)
def test_keys_built_from_enum_values_and_known_names_all_exist(lang: str) -> None:
    texts = catalog(lang)
    assert [key for key in _dynamic_keys() if key not in texts] == []


# Texts: plurals, dates, time zones ----------------------------------------------------------


def test_counts_pick_the_singular_or_plural_form_with_babel() -> None:
    en, sv = Texts("en"), Texts("sv")
    assert en("status.pairs", n=1) == "1 pair"
    assert en("status.pairs", n=2) == "2 pairs"
    assert en("status.pairs", n=0) == "0 pairs"
    assert en("journal.title", n=1) == "Your journal (1 entry)"
    assert en("journal.title", n=5) == "Your journal (5 entries)"
    assert sv("goals.saved", n=1) != sv("goals.saved", n=3)
    assert "1 mål" in sv("goals.confirmed", n=1)


def test_dates_are_written_in_the_persons_language() -> None:
    day = date(2026, 12, 1)
    assert Texts("sv").date(day) == "1 december 2026"
    assert Texts("en").date(day) == "December 1, 2026"


def test_a_moment_is_shown_on_the_wall_clock_of_the_persons_time_zone() -> None:
    moment = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
    assert spaces(Texts("sv", "Europe/Stockholm").when(moment)) == "tisdag 1 december 2026 14:00"
    assert (
        spaces(Texts("en", "America/New_York").when(moment)) == "Tuesday, December 1, 2026 8:00 AM"
    )
    assert (
        spaces(Texts("en", "Europe/Stockholm").when(moment)) == "Tuesday, December 1, 2026 2:00 PM"
    )


@pytest.mark.parametrize(
    ("moment", "stockholm", "new_york"),
    [
        # Winter: CET (+1) and EST (-5), six hours apart.
        (datetime(2027, 3, 6, 13, 0, tzinfo=UTC), "14:00", "08:00"),
        # The USA moved to summer time on 14 March, Sweden not yet: five hours apart.
        (datetime(2027, 3, 20, 13, 0, tzinfo=UTC), "14:00", "09:00"),
        # Sweden moved on 28 March at 01:00 UTC: six hours apart again.
        (datetime(2027, 3, 28, 13, 0, tzinfo=UTC), "15:00", "09:00"),
        # Sweden moves back on 31 October, the USA on 7 November.
        (datetime(2027, 11, 1, 13, 0, tzinfo=UTC), "14:00", "09:00"),
    ],
)
def test_the_same_moment_differs_by_the_right_hours_across_daylight_saving_changes(
    moment: datetime, stockholm: str, new_york: str
) -> None:
    assert Texts("sv", "Europe/Stockholm").when(moment).endswith(stockholm)
    assert Texts("sv", "America/New_York").when(moment).endswith(new_york)


def test_the_day_before_and_after_the_swedish_spring_change_read_an_hour_apart() -> None:
    t = Texts("sv", "Europe/Stockholm")
    saturday = t.when(datetime(2027, 3, 27, 12, 0, tzinfo=UTC))
    sunday = t.when(datetime(2027, 3, 28, 12, 0, tzinfo=UTC))
    assert saturday == "lördag 27 mars 2027 13:00"
    assert sunday == "söndag 28 mars 2027 14:00"


def test_a_missing_swedish_text_falls_back_to_english_then_to_the_key() -> None:
    assert Texts("sv")("no.such.key") == "no.such.key"
    assert Texts("de")("word.yes") == "Ja"  # unknown languages get the default (Swedish)


@pytest.mark.parametrize("lang", sorted(SUPPORTED))
def test_no_label_says_optional_itself_the_platforms_mark_optional_fields(lang: str) -> None:
    """Slack's modals, the console and Teams mark an optional field themselves: a label that
    says so too reads "Avdelning (frivilligt) (frivilligt)"."""
    said = {
        key: entry
        for key, entry in catalog(lang).items()
        if isinstance(entry, str) and re.search(r"\((frivillig|optional)", entry)
    }
    assert said == {}
