"""A coordinator's ``invite`` of a whole channel, a user group or a CSV file, expanded into the
people in it before the core's turn (the core gets them as the event's ``groups`` and invites
them as if named; it words every refusal in the coordinator's language).

* A channel picked with Slack's autocomplete arrives as ``<#C123|name>`` (``incoming`` makes it
  ``#name``): its members from ``conversations.members``, paginated.
* A user group arrives as ``<!subteam^S123|@name>`` (``@name``): ``usergroups.users.list``.
* A CSV file attached to the DM with ``invite as adept``: ``files.info`` gives its download URL,
  fetched with the bot token (only from Slack's own file host); each row a user id
  (``users.info``) or an e-mail address (``users.lookupByEmail``). Rows that name nobody
  come back as ``unresolved``.

Members are checked with ``users.info``: bots, deactivated accounts and the coordinator
themself are left out, the others come back with their profile, so the core's answer and
their invitations show names. A list bigger than ``MAX_PEOPLE`` is not looked up person by
person (``TOO_BIG`` with its size). Slack's refusals become a ``GroupProblem``; nothing here
raises. Only a coordinator's command is expanded (nobody else learns who is in a channel).
All of this happens before the turn, outside the core's transaction.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, TypeVar
from urllib.parse import urlparse

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.api_errors import classify
from bot.slack.clients import SlackClients
from bot.slack.mrkdwn import unescape
from bot.slack.people import find_person
from bot.slack.profiles import actor_of
from conversations.config import CoreConfig
from conversations.engine import find_command
from conversations.events import Actor, Command, Group, TextReceived
from conversations.parsing import parse_command
from conversations.people import identity_of
from conversations.people_lists import MAX_FILE_BYTES, MAX_PEOPLE, GroupProblem, is_email, read_rows
from conversations.ports import Store
from conversations.sanitising import clean_text

log = logging.getLogger("mentorbot.slack.groups")
E = TypeVar("E", Command, TextReceived)

_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^<>]*))?>")
_SUBTEAM = re.compile(r"<!subteam\^([A-Z0-9]+)(?:\|([^<>]*))?>")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
PAGE = 1000  # conversations.members per page (Slack's maximum)
MAX_PAGES = 10  # a bigger channel is counted as this many pages' members
LOOKUPS_AT_ONCE = 4  # users.info / users.lookupByEmail in parallel (Tier 3/4 methods)
FILE_HOST = "files.slack.com"
DOWNLOAD_SECONDS = 20.0
# Slack's refusals, by what the coordinator can do about them.
_PROBLEMS = {
    "channel_not_found": GroupProblem.NOT_IN_CHANNEL,  # picked from the list: it is private
    "not_in_channel": GroupProblem.NOT_IN_CHANNEL,
    "method_not_supported_for_channel_type": GroupProblem.NOT_FOUND,
    "no_such_subteam": GroupProblem.NOT_FOUND,
    "subteam_not_found": GroupProblem.NOT_FOUND,
    "file_not_found": GroupProblem.NO_FILE,
    "file_deleted": GroupProblem.NO_FILE,
    "missing_scope": GroupProblem.NO_ACCESS,
    "no_permission": GroupProblem.NO_ACCESS,
    "access_denied": GroupProblem.NO_ACCESS,
    "not_visible": GroupProblem.NO_ACCESS,
    "plan_upgrade_required": GroupProblem.NO_ACCESS,
}


@dataclass(frozen=True)
class GroupRef:
    kind: Literal["channel", "usergroup"]
    id: str
    label: str  # as ``incoming`` leaves it in the command's words


class Refused(Exception):
    """A Slack call refused: the problem to report (never a message's text)."""

    def __init__(self, problem: GroupProblem, code: str = "") -> None:
        super().__init__(code or problem)
        self.problem = problem


def group_refs(raw: str) -> list[GroupRef]:
    """The channels and user groups in a slash command's or message's raw text."""
    refs = [
        GroupRef("channel", m[1], "#" + unescape(m[2]) if m[2] else f"#{m[1]}")
        for m in _CHANNEL.finditer(raw)
    ]
    refs += [
        GroupRef("usergroup", m[1], unescape(m[2]) if m[2] else "@subteam")
        for m in _SUBTEAM.finditer(raw)
    ]
    return list({ref.label: ref for ref in refs}.values())


def is_invite(event: Command | TextReceived) -> bool:
    line = parse_command(clean_text(event.text))
    route = find_command(line.word) if line is not None else None
    return route is not None and route.name == "invite"


def _problem(error: BaseException) -> GroupProblem:
    if isinstance(error, Refused):
        return error.problem
    code = str(classify(error))
    return _PROBLEMS.get(code, GroupProblem.FAILED)


class Groups:
    def __init__(self, clients: SlackClients, store: Store, config: CoreConfig) -> None:
        self._clients = clients  # the client of the coordinator's own workspace is used
        self._store = store
        self._config = config

    def may_expand(self, actor: Actor) -> bool:
        """Only a coordinator learns who is in a channel (reads the database)."""
        with self._store.read() as repo:
            me = find_person(repo, actor.workspace, actor.platform_user_id)
        if me is not None:
            return me.is_coordinator and me.erased_at is None
        who = identity_of(actor.platform, actor.workspace, actor.platform_user_id)
        return who in self._config.coordinators

    async def expand(
        self,
        actor: Actor,
        event: E,
        raw: str,
        files: Sequence[dict[str, Any]] = (),
    ) -> tuple[E, list[Actor]] | None:
        """The event with the people of its channels, user groups and files, and their
        profiles; None when it is not a coordinator's ``invite`` of any."""
        refs = group_refs(raw)
        files = [f for f in files if isinstance(f, dict) and f.get("id")]
        if not (refs or files) or not is_invite(event):
            return None
        if not await asyncio.to_thread(self.may_expand, actor):
            return None
        client = await self._clients.of(actor.workspace)
        groups: list[Group] = []
        profiles: list[Actor] = []
        for ref in refs:
            group, found = await self._members_of(client, actor, ref)
            groups.append(group)
            profiles += found
        for file in files:
            group, found = await self._rows_of(client, actor, file)
            groups.append(group)
            profiles += found
        log.info(
            "event=slack_invite_groups groups=%d people=%d",
            len(groups),
            sum(len(g.members) for g in groups),
        )
        return replace(event, groups=tuple(groups)), profiles

    # Channels and user groups ----------------------------------------------------------------

    async def _members_of(
        self, client: AsyncWebClient, actor: Actor, ref: GroupRef
    ) -> tuple[Group, list[Actor]]:
        try:
            if ref.kind == "channel":
                ids = await self._channel_members(client, ref.id)
            else:
                response = await client.usergroups_users_list(usergroup=ref.id)
                ids = [str(u) for u in response.get("users") or []]
            others = [i for i in dict.fromkeys(ids) if i != actor.platform_user_id]
            if len(others) > MAX_PEOPLE:
                return Group(ref.label, problem=GroupProblem.TOO_BIG, size=len(others)), []
            found = await self._people(client, actor.workspace, others, by_email=False)
        except Exception as error:
            problem = _problem(error)
            log.warning("event=slack_group_unread kind=%s problem=%s", ref.kind, problem)
            return Group(ref.label, problem=problem), []
        people = [p for p in found if p is not None]
        return Group(ref.label, members=tuple(p.platform_user_id for p in people)), people

    async def _channel_members(self, client: AsyncWebClient, channel: str) -> list[str]:
        ids: list[str] = []
        cursor: str | None = None  # slack-sdk leaves out an argument that is None
        for _ in range(MAX_PAGES):
            response = await client.conversations_members(
                channel=channel, limit=PAGE, cursor=cursor
            )
            ids += [str(u) for u in response.get("members") or []]
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                break
        return ids

    async def _people(
        self, client: AsyncWebClient, workspace: str, keys: Sequence[str], *, by_email: bool
    ) -> list[Actor | None]:
        """Each user id (or e-mail) as a person who can be invited, or None: unknown, a bot,
        deactivated. Any other failure raises (the whole list is reported as not read)."""
        limit = asyncio.Semaphore(LOOKUPS_AT_ONCE)

        async def one(key: str) -> Actor | None:
            async with limit:
                try:
                    if by_email:
                        response = await client.users_lookupByEmail(email=key)
                    else:
                        response = await client.users_info(user=key, include_locale=True)
                except Exception as error:
                    if str(classify(error)) in ("user_not_found", "users_not_found"):
                        return None
                    raise
            user = response.get("user") or {}
            if user.get("deleted") or user.get("is_bot") or user.get("id") == "USLACKBOT":
                return None
            return actor_of(user, workspace)

        # Every lookup settles before a failure is raised: none is left running unawaited.
        results = await asyncio.gather(*(one(key) for key in keys), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return [r for r in results if not isinstance(r, BaseException)]

    # Files ---------------------------------------------------------------------------------

    async def _rows_of(
        self, client: AsyncWebClient, actor: Actor, file: dict[str, Any]
    ) -> tuple[Group, list[Actor]]:
        label = str(file.get("name") or file.get("title") or file["id"])[:80]
        try:
            data = await self._download(client, str(file["id"]))
        except Exception as error:
            problem = _problem(error)
            log.warning("event=slack_file_unread problem=%s", problem)
            return Group(label, problem=problem, file=True), []
        rows = read_rows(data)
        if rows.problem is not None:
            return Group(label, problem=rows.problem, size=rows.size, file=True), []
        emails = [e for e in rows.entries if is_email(e)]
        ids = [e for e in rows.entries if _USER_ID.match(e)]
        try:
            by_email = await self._people(client, actor.workspace, emails, by_email=True)
            by_id = await self._people(client, actor.workspace, ids, by_email=False)
        except Exception as error:
            problem = _problem(error)
            log.warning("event=slack_file_people_unread problem=%s", problem)
            return Group(label, problem=problem, file=True), []
        found = dict(zip(emails, by_email, strict=True)) | dict(zip(ids, by_id, strict=True))
        people = [p for p in found.values() if p is not None]
        members = [
            p.platform_user_id for p in people if p.platform_user_id != actor.platform_user_id
        ]
        unresolved = [e for e in rows.entries if found.get(e) is None]
        group = Group(
            label, members=tuple(dict.fromkeys(members)), unresolved=tuple(unresolved), file=True
        )
        return group, people

    async def _download(self, client: AsyncWebClient, file_id: str) -> bytes:
        info = (await client.files_info(file=file_id)).get("file") or {}
        if int(info.get("size") or 0) > MAX_FILE_BYTES:
            raise Refused(GroupProblem.FILE_TOO_LARGE)
        url = str(info.get("url_private_download") or info.get("url_private") or "")
        if not self._from_slack(client, url):
            raise Refused(GroupProblem.NO_ACCESS, "file_host")
        headers = {"Authorization": f"Bearer {client.token}"}
        timeout = aiohttp.ClientTimeout(total=DOWNLOAD_SECONDS)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(url, headers=headers, allow_redirects=False) as response,
        ):
            if response.status != 200:
                raise Refused(GroupProblem.FAILED, f"http_{response.status}")
            return await response.content.read(MAX_FILE_BYTES + 1)

    def _from_slack(self, client: AsyncWebClient, url: str) -> bool:
        """The bot token goes only to Slack's file host (or the Web API's own host, when
        ``SLACK_API_URL`` points the client at a stand-in)."""
        parsed = urlparse(url)
        api = urlparse(client.base_url)
        if parsed.hostname == FILE_HOST and parsed.scheme == "https":
            return True
        return bool(parsed.hostname) and (parsed.scheme, parsed.netloc) == (api.scheme, api.netloc)
