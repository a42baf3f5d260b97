"""How the note to a coordinator words a delivery that failed for good: the platform's error
code (``user_not_found``, ``workspace_revoked: T1`` …) sorted into a few kinds the coordinator
can act on, each worded in *their* language with the name of the person it concerns. The code
itself stays in the outbox's error column and the log, for operators; the coordinator, who
reads Swedish or English, never sees it."""

from __future__ import annotations

from collections.abc import Callable

from conversations.i18n import Texts
from conversations.messages import Message, text
from conversations.records import Pair, Person

# Teams: the app is not installed for the person (the platform refuses to open a chat).
_NOT_INSTALLED = ("unreachable: teams_forbidden",)
# The person cannot receive anything from the app (left, deactivated, never had it).
_GONE = (
    "unreachable:",
    "user_not_found",
    "users_not_found",
    "user_disabled",
    "account_inactive",
    "cannot_dm_bot",
    "user_is_bot",
    "recipient is",
)
# The app lost the workspace or its token.
_WORKSPACE = (
    "workspace_revoked",
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "token_expired",
    "team_access_not_granted",
)
# The app may not write there.
_ACCESS = (
    "no_permission",
    "missing_scope",
    "restricted_action",
    "ekm_access_denied",
    "not_in_channel",
    "channel_not_found",
    "is_archived",
    "teams_http_403",
)
_FILES = ("files_not_shared",)
_CONTENT = ("invalid_blocks", "invalid_arguments", "msg_too_long", "no_text", "teams_http_413")

KINDS = ("not_installed", "gone", "workspace", "access", "files", "content", "other")


def failure_kind(error: str) -> str:
    """Which kind of failure an error code is (one of ``KINDS``)."""
    for kind, prefixes in (
        ("files", _FILES),
        ("not_installed", _NOT_INSTALLED),
        ("workspace", _WORKSPACE),
        ("gone", _GONE),
        ("access", _ACCESS),
        ("content", _CONTENT),
    ):
        if error.startswith(prefixes):
            return kind
    return "other"


def note_detail(error: str, person_id: int | None) -> str:
    """What the note's outbox row remembers: the kind and whom it concerns (no code, no text)."""
    return f"{failure_kind(error)}:{person_id or ''}"


def failure_note(
    t: Texts, detail: str, get_person: Callable[[int], Person | None], pair: Pair | None
) -> Message:
    """The note in the coordinator's language: who, what kind of failure, what they can do."""
    kind, _, who = detail.partition(":")
    kind = kind if kind in KINDS else "other"
    person = get_person(int(who)) if who.isdigit() else None
    if person is not None:
        name = person.display_name
    elif pair is not None:
        members = [get_person(member) for member in pair.member_ids()]
        a, b = (m.display_name if m else "?" for m in members)
        name = t("delivery_failed.pair", a=a, b=b)
    else:
        name = t("delivery_failed.someone")
    return text(t("nudge.delivery_failed." + kind, name=name))
