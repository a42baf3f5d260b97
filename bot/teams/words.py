"""The Teams adapter's own few words, for what it adds itself: notes on shortened content, a
used or stale card, yes/no options. The core's texts arrive translated already."""

from __future__ import annotations

_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "trimmed": "… (shortened: too long for Teams)",
        "continued": "(continued)",
        "yes": "Yes",
        "no": "No",
        "sent": "Sent.",
        "chosen": "Chosen: {label}",
        "stale": "This card was already used, so nothing was changed. Type `home` to see where you are.",
        "fix_fields": "Please check the fields marked below. Nothing was saved yet.",
        "error": "Sorry, something went wrong on my side. Please try again.",
        "required": "Required",
        "part": "part",
        "file_too_large": "{name} ({kb} KB) is too large to send in a Teams chat.",
    },
    "sv": {
        "trimmed": "… (förkortat: för långt för Teams)",
        "continued": "(fortsättning)",
        "yes": "Ja",
        "no": "Nej",
        "sent": "Skickat.",
        "chosen": "Valt: {label}",
        "stale": "Det här kortet är redan använt, så inget ändrades. Skriv `hem` för att se var du är.",
        "fix_fields": "Kontrollera fälten som är markerade nedan. Inget är sparat ännu.",
        "error": "Förlåt, något gick fel hos mig. Försök igen.",
        "required": "Obligatoriskt",
        "part": "del",
        "file_too_large": "{name} ({kb} kB) är för stor för att skickas i en chatt i Teams.",
    },
}


def words(lang: str) -> dict[str, str]:
    return _WORDS.get(lang, _WORDS["en"])
