"""The flags a command takes (``--start 2027-01-11``), declared once per command.

A ``FlagTable`` lists each flag's English name, its Swedish alias and the kind of value it
takes. The engine reads every command line through its command's table before the flow sees
it (``FlagTable.read``): a flag is known by its English name (the grammar's word, the one the
docs use) or by the alias in the reader's own language; the flow gets the English names only.
A flag the table does not know is refused with the valid ones in the reader's language, never
ignored. Help and the usage texts render the flags from the same table (``FlagTable.usage``),
so a Swedish reader sees ``--slut`` and an English one ``--end``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from conversations.i18n import Texts
from conversations.parsing import CommandLine


class FlagKind(StrEnum):
    """What a flag's value is; its placeholder in usage texts is ``flag.kind.<kind>``."""

    SWITCH = "switch"  # no value: ``--force``
    TEXT = "text"
    DATE = "date"
    DAYS = "days"
    MINUTES = "minutes"
    COUNT = "count"
    PURPOSE = "purpose"
    TEMPLATE = "template"
    PROGRAMME = "programme"


@dataclass(frozen=True)
class Flag:
    name: str  # the English word, which the flow reads
    sv: str  # the Swedish alias (may be the same word: ``--start``)
    kind: FlagKind
    required: bool = False  # shown without brackets in usage
    # Older spellings still read from everyone, never shown (``--programme``).
    also: tuple[str, ...] = ()

    def word(self, t: Texts) -> str:
        return "--" + (self.sv if t.lang == "sv" else self.name)

    def spellings(self, t: Texts) -> tuple[str, ...]:
        """What the reader may type: the English name, their own alias, the old spellings."""
        own = (self.sv,) if t.lang == "sv" else ()
        return (self.name, *own, *self.also)

    def usage(self, t: Texts) -> str:
        shown = self.word(t)
        if self.kind != FlagKind.SWITCH:
            shown += " " + t("flag.kind." + self.kind)
        return shown if self.required else f"[{shown}]"


@dataclass(frozen=True)
class Unknown:
    """A flag the command does not take, as typed (``--slut`` from an English reader)."""

    flag: str


@dataclass(frozen=True)
class FlagTable:
    flags: tuple[Flag, ...] = ()

    def read(self, line: CommandLine, t: Texts) -> CommandLine | Unknown:
        """``line`` with its options under their English names, or the first flag the table
        does not know in the reader's language. A switch given a value (``--force 3``) gives
        the value back to the arguments."""
        options: dict[str, str] = {}
        args = list(line.args)
        for typed, value in line.options.items():
            flag = next((f for f in self.flags if typed in f.spellings(t)), None)
            if flag is None:
                return Unknown("--" + typed)
            if flag.kind == FlagKind.SWITCH and value:
                args.append(value)
                value = ""
            options[flag.name] = value
        return replace(line, args=args, options=options)

    def usage(self, t: Texts, *, required: bool | None = None) -> str:
        """The flags as the reader types them: ``--syfte <syfte> [--kadens <dagar>]``; only
        the required ones (``required=True``) or only the optional ones (``False``)."""
        return " ".join(
            f.usage(t) for f in self.flags if required is None or f.required == required
        )

    def words(self, t: Texts) -> str:
        """The flags' words alone, for a refusal: ``--syfte, --start, --slut``."""
        return ", ".join(f.word(t) for f in self.flags)


NO_FLAGS = FlagTable()
