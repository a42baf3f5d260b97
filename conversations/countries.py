"""Countries, for public holidays: the one a time zone lies in, and the ones we know holidays of.

A person's ``country`` decides their public holidays (the ``holidays`` package). It starts as
the country of the time zone their profile gives (Babel's CLDR data: America/New_York -> US,
Europe/Stockholm -> SE), and they can change it in ``settings``."""

from __future__ import annotations

import functools

import holidays as holidays_lib
from babel.core import get_global


@functools.cache
def holiday_countries() -> frozenset[str]:
    """The ISO 3166 alpha-2 codes the ``holidays`` package has a calendar for."""
    return frozenset(code for code in holidays_lib.list_supported_countries() if len(code) == 2)


def country_of_zone(name: str) -> str | None:
    """The country whose holidays fit a time zone ('America/New_York' -> 'US'); None for a
    zone of no one country (UTC) or a country without a holiday calendar."""
    aliases = get_global("zone_aliases")
    territory = get_global("zone_territories").get(aliases.get(name, name))
    return territory if territory in holiday_countries() else None
