"""How a neutral button travels through Slack and back: the one place that encodes a
``Button``'s action into a Block Kit ``action_id`` (``messages`` renders with it) and decodes
it again (``interactivity`` reads presses with it).

A button's ``action_id`` must be unique within its message, and several buttons may share an
action (one "accept" per agreement version), so it is the action, ``~`` and the button's
position; the ``value`` (the ids the core reads back) travels as it is, never cut.
"""

from __future__ import annotations

from bot.slack.limits import ACTION_ID

_SUFFIX = "~"

# A button the adapter adds itself: a typed command whose answer is a form (a DM cannot open
# a modal, a click can) offers it as a button that runs the same command again.
REOPEN = "slack.command"


def action_id(action: str, position: int) -> str:
    """The ``action_id`` of the button for ``action`` at ``position`` in its message."""
    suffix = f"{_SUFFIX}{position}"
    return action[: ACTION_ID - len(suffix)] + suffix


def neutral_action(slack_action_id: str) -> str:
    """The core's action name from a Block Kit action_id made by ``action_id``."""
    base, sep, position = slack_action_id.rpartition(_SUFFIX)
    return base if sep and position.isdigit() else slack_action_id
