"""Texts in the person's language, dates and times in their locale and time zone (Babel).

Catalogs live in ``conversations/locales/<lang>.py`` as ``TEXTS: dict[str, Entry]``, where an
entry is a format string or, for counts, a dict of CLDR plural forms (``one``, ``other``) chosen
with Babel's plural rules from the ``n`` argument.
"""

from __future__ import annotations

from datetime import date, datetime, time
from functools import cache, lru_cache
from importlib import import_module
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time, get_day_names

SUPPORTED = ("sv", "en")
Entry = str | dict[str, str]


def normalise_locale(value: str | None, default: str = "sv") -> str:
    """'en-GB', 'en_US', 'EN' -> 'en'; unknown -> default."""
    if not value:
        return default
    lang = value.replace("-", "_").split("_")[0].lower()
    return lang if lang in SUPPORTED else default


@cache
def catalog(lang: str) -> dict[str, Entry]:
    module = import_module(f"conversations.locales.{lang}")
    texts: dict[str, Entry] = module.TEXTS
    return texts


@lru_cache(maxsize=4096)
def _when(lang: str, local: datetime, zone: str, fmt: str) -> str:
    """``Texts.when``, remembered: a tick words the same few meeting times for thousands of
    people, and Babel's formatting is most of a nudge's wording. ``zone`` is part of the key:
    aware datetimes of one instant are equal whatever their zone."""
    locale = Locale.parse(lang)
    if fmt == "full-short":
        return f"{format_date(local.date(), 'full', locale=locale)} {format_time(local, 'short', locale=locale)}"
    return format_datetime(local, format=fmt, locale=locale)


class Texts:
    """All wording for one person: ``t("key", name=...)``, ``t.date(d)``, ``t.when(dt)``."""

    def __init__(self, lang: str, timezone: str = "Europe/Stockholm") -> None:
        self.lang = normalise_locale(lang)
        self.tz = ZoneInfo(timezone)
        self._locale = Locale.parse(self.lang)
        self._texts = catalog(self.lang)

    def __call__(self, key: str, **values: Any) -> str:
        entry = self._texts.get(key)
        if entry is None:
            entry = catalog("en").get(key, key)
        if isinstance(entry, dict):
            n = values.get("n", 0)
            form = self._locale.plural_form(n)
            entry = entry.get(form, entry["other"])
        return entry.format(**values) if values else entry

    def has(self, key: str) -> bool:
        return key in self._texts

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)

    def date(self, day: date, fmt: str = "long") -> str:
        return format_date(day, format=fmt, locale=self._locale)

    def time(self, moment: time) -> str:
        return format_time(moment, format="short", locale=self._locale)

    def when(self, moment: datetime, fmt: str = "full-short") -> str:
        """A moment in the person's time zone, e.g. 'tisdag 1 december 2026 14:00'."""
        return _when(self.lang, self.local(moment), str(self.tz), fmt)

    def country(self, code: str) -> str:
        """A country's name in the reader's language ('US' -> 'USA' in Swedish)."""
        return str(self._locale.territories.get(code, code))

    def weekday(self, index: int) -> str:
        names = get_day_names("wide", locale=self._locale)
        return str(names[index])
