"""The console's own lines (its prompts and notes, not the bot's messages), in the language of
the person acting. The bot's own texts come from the core's catalogs."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "help": (
            "Console commands:\n"
            "  /as <name>     become another person (created if new)\n"
            "  /people        list the people in the database\n"
            "  /clock +3d     move the clock forward (+2w, +6h, a date 2027-01-15 or a date and\n"
            "                 time 2027-01-15 08:30) and deliver what falls due\n"
            "  /quit          leave\n"
            "Anything else is a message to the bot (try: help). A number presses that button.\n"
            "In a form: Enter keeps the value in [brackets], - clears it, cancel leaves the form."
        ),
        "starting": "mentorbot: no Slack or Teams credentials: starting the offline console on {url}",
        "banner": "mentorbot console — {when} — /help for console commands",
        "no_button": "(no button with that number since your last message; type `home` for yours)",
        "you_are": "(you are now {name})",
        "clock": "(clock: {when})",
        "clock_usage": "(usage: /clock +3d, /clock +2w, /clock +6h, /clock 2027-01-15 or /clock 2027-01-15 08:30)",
        "clock_forward": "(the clock only moves forward)",
        "cancelled": "(form cancelled; nothing was saved)",
        "abandoned": "(form left; nothing was saved)",
        "questions": "{n} questions",
        "question": "1 question",
        "optional": " (optional)",
        "already": "(already handled)",
        "bot": "── bot ──",
        "to": "── to {names} · {when} ──",
        "and": " & ",
        "file": "({title} – saved as {path})",
    },
    "sv": {
        "help": (
            "Konsolkommandon:\n"
            "  /som <namn>     bli en annan person (skapas om hen är ny)\n"
            "  /personer       lista personerna i databasen\n"
            "  /klocka +3d     flytta klockan framåt (+2v, +6t, ett datum 2027-01-15 eller datum\n"
            "                  och tid 2027-01-15 08:30) och leverera det som blir aktuellt\n"
            "  /avsluta        lämna konsolen\n"
            "Allt annat är ett meddelande till boten (prova: hjälp). Ett tal trycker på den knappen.\n"
            "I ett formulär: Enter behåller värdet inom [hakparentes], - tömmer det, avbryt lämnar formuläret."
        ),
        "starting": "mentorbot: inga uppgifter för Slack eller Teams: startar offlinekonsolen på {url}",
        "banner": "mentorbot-konsolen — {when} — /hjälp för konsolens kommandon",
        "no_button": "(ingen knapp med det numret sedan ditt senaste meddelande; skriv `hem` för dina)",
        "you_are": "(du är nu {name})",
        "clock": "(klockan: {when})",
        "clock_usage": "(så här: /klocka +3d, /klocka +2v, /klocka +6t, /klocka 2027-01-15 eller /klocka 2027-01-15 08:30)",
        "clock_forward": "(klockan går bara framåt)",
        "cancelled": "(formuläret avbröts; inget sparades)",
        "abandoned": "(formuläret lämnades; inget sparades)",
        "questions": "{n} frågor",
        "question": "1 fråga",
        "optional": " (frivilligt)",
        "already": "(redan hanterat)",
        "bot": "── boten ──",
        "to": "── till {names} · {when} ──",
        "and": " & ",
        "file": "({title} – sparad som {path})",
    },
}

# Console commands, with their Swedish words.
AS = ("/as", "/som")
PEOPLE = ("/people", "/personer")
CLOCK = ("/clock", "/klocka")
QUIT = ("/quit", "/exit", "/q", "/avsluta")
CANCEL = ("cancel", "avbryt")


def words(lang: str) -> dict[str, str]:
    return WORDS.get(lang, WORDS["en"])
