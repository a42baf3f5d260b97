"""The Slack adapter's own few words, for what it adds itself: notes on shortened content,
the loading and "done" modals, yes/no options, what a person is told when Slack could not
show something, that a name typed after ``@`` is not a mention, and the page an install ends
on. The core's texts arrive
translated already."""

from __future__ import annotations

_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "trimmed": "… (shortened: too long for Slack)",
        "buttons_dropped": "Some buttons could not be shown here; `home` has them.",
        "yes": "Yes",
        "no": "No",
        "cancel": "Cancel",
        "close": "Close",
        "loading_title": "One moment",
        "loading": "Just a moment…",
        "done_title": "Done",
        "done": "Done. The answer is in your messages too.",
        "error": "Sorry, something went wrong on my side. Please try again.",
        "not_saved": "Nothing was saved from the form",
        "form_unavailable": "This form could not be opened in Slack. Nothing was changed.",
        "form_later": "The next form could not be opened automatically. Please start it again.",
        "typed_name": (
            "I can't tell who {names} is: a name typed after @ is not a Slack mention. Pick "
            "each person with Slack's @-autocomplete (type @ and choose them in the list), "
            "then send the command again. Nothing was changed."
        ),
        "install_done": "Mentorbot is installed",
        "install_done_text": "You can close this page. In Slack, type {command} help to begin.",
        "install_failed": "Mentorbot could not be installed",
        "install_failed_text": "Nothing was installed. Please start again from the install link.",
        "install_error_text": (
            "Something went wrong on our side, and nothing was installed. Please try again "
            "from the install link in a while."
        ),
    },
    "sv": {
        "trimmed": "… (förkortat: för långt för Slack)",
        "buttons_dropped": "Några knappar fick inte plats här; `hem` har dem.",
        "yes": "Ja",
        "no": "Nej",
        "cancel": "Avbryt",
        "close": "Stäng",
        "loading_title": "Ett ögonblick",
        "loading": "Ett ögonblick…",
        "done_title": "Klart",
        "done": "Klart. Svaret finns också bland dina meddelanden.",
        "error": "Förlåt, något gick fel hos mig. Försök igen.",
        "not_saved": "Inget sparades från formuläret",
        "form_unavailable": "Formuläret kunde inte öppnas i Slack. Inget ändrades.",
        "form_later": "Nästa formulär kunde inte öppnas automatiskt. Börja det igen.",
        "typed_name": (
            "Jag kan inte veta vem {names} är: ett namn som skrivs efter @ är inte en "
            "Slack-omnämning. Välj varje person med Slacks @-förslag (skriv @ och välj personen "
            "i listan) och skicka kommandot igen. Inget ändrades."
        ),
        "install_done": "Mentorbot är installerad",
        "install_done_text": "Du kan stänga sidan. Skriv {command} hjälp i Slack för att börja.",
        "install_failed": "Mentorbot kunde inte installeras",
        "install_failed_text": "Inget installerades. Börja om från installationslänken.",
        "install_error_text": (
            "Något gick fel hos oss, och inget installerades. Försök igen från "
            "installationslänken om en stund."
        ),
    },
}


def words(lang: str) -> dict[str, str]:
    return _WORDS.get(lang, _WORDS["en"])
