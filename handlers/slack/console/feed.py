"""What people would see in Slack, read from what the app sent: its acknowledgements and the Web
API calls the stand-in recorded (posts, updates, ephemeral answers, DMs, files, modals).

Each message keeps `source`, the message as Slack would report it when a button in it is clicked,
so the console can click it with the driver exactly as a test would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from handlers.slack.standin.server import RESPONSE_URL_METHOD, Call, SlackStandIn


class Kind(Enum):
    POSTED = "posted"
    UPDATED = "updated"
    DELETED = "deleted"
    EPHEMERAL = "ephemeral"
    FILE = "file"


@dataclass(frozen=True)
class Origin:
    """Where a response URL the console handed out leads: what it answers, and for whom."""

    channel: str
    user: str
    ephemeral: bool  # the message it would replace is one only `user` sees


@dataclass(frozen=True)
class Message:
    kind: Kind
    channel: str
    shown: dict[str, Any]  # text and blocks as sent
    source: dict[str, Any] = field(default_factory=dict)  # for clicking; {} when nothing is clickable
    only_for: str | None = None  # the one person who sees it (an ephemeral message)
    in_thread: bool = False


@dataclass(frozen=True)
class ModalOpened:
    view: dict[str, Any]


@dataclass(frozen=True)
class ModalUpdated:
    view_id: str
    view: dict[str, Any]


Seen = Message | ModalOpened | ModalUpdated


def acknowledgement(body: Any, *, channel: str, user: str) -> Message | None:
    """A slash command's answer: in the channel for everyone, or only for the one who typed it."""
    if isinstance(body, str):
        body = {"text": body} if body.strip() else {}
    if not isinstance(body, dict) or not (body.get("text") or body.get("blocks")):
        return None
    if body.get("response_type") == "in_channel":
        return Message(Kind.POSTED, channel, body, body)
    # The body itself is the click source: the driver remembers where it showed it.
    return Message(Kind.EPHEMERAL, channel, body, body, only_for=user)


def read_calls(calls: list[Call], origins: dict[str, Origin], standin: SlackStandIn) -> list[Seen]:
    seen: list[Seen] = []
    for call in calls:
        if call.failed:
            continue  # Slack refused it, so nobody saw anything
        found = _read(call, origins, standin)
        if found is not None:
            seen.append(found)
    return seen


def _read(call: Call, origins: dict[str, Origin], standin: SlackStandIn) -> Seen | None:
    args = call.args
    match call.method:
        case "chat.postMessage":
            channel = _conversation(str(args.get("channel", "")))
            ts = _posted_ts(standin, channel, args)
            source = {**args, "channel": channel, **({"ts": ts} if ts else {})}
            return Message(Kind.POSTED, channel, args, source, in_thread=bool(args.get("thread_ts")))
        case "chat.update":
            channel = _conversation(str(args.get("channel", "")))
            return Message(Kind.UPDATED, channel, args, {**args, "channel": channel})
        case "chat.delete":
            return Message(Kind.DELETED, _conversation(str(args.get("channel", ""))), {})
        case "chat.postEphemeral":
            channel = str(args.get("channel", ""))
            source = {**args, "channel": channel, "response_type": "ephemeral"}
            return Message(Kind.EPHEMERAL, channel, args, source, only_for=str(args.get("user", "")))
        case "files.completeUploadExternal":
            files = [f for f in args.get("files") or [] if isinstance(f, dict)]
            names = ", ".join(str(f.get("title") or f.get("id")) for f in files)
            text = f"📎 {names}" + (f"\n{args['initial_comment']}" if args.get("initial_comment") else "")
            return Message(Kind.FILE, str(args.get("channel_id", "")), {"text": text})
        case "views.open" | "views.push" if isinstance(args.get("view"), dict):
            return ModalOpened(args["view"])
        case "views.update" if isinstance(args.get("view"), dict):
            return ModalUpdated(str(args.get("view_id", "")), args["view"])
        case method if method == RESPONSE_URL_METHOD:
            origin = origins.get(standin.base_url + call.path)
            return _response(args, origin) if origin is not None else None
    return None


def _response(args: dict[str, Any], origin: Origin) -> Message:
    """A response URL post, as Slack applies it (https://api.slack.com/interactivity/handling#message_responses)."""
    if args.get("delete_original"):
        return Message(Kind.DELETED, origin.channel, {}, only_for=origin.user if origin.ephemeral else None)
    if args.get("replace_original") in (True, "true") and args.get("response_type") != "in_channel":
        if origin.ephemeral:
            source = {**args, "channel": origin.channel, "response_type": "ephemeral"}
            return Message(Kind.UPDATED, origin.channel, args, source, only_for=origin.user)
        return Message(Kind.UPDATED, origin.channel, args, {**args, "channel": origin.channel})
    if args.get("response_type") == "in_channel":
        return Message(Kind.POSTED, origin.channel, args, {**args, "channel": origin.channel})
    # Without a response_type Slack shows the answer to the person who asked, and only to them.
    source = {**args, "channel": origin.channel, "response_type": "ephemeral"}
    return Message(Kind.EPHEMERAL, origin.channel, args, source, only_for=origin.user)


def _conversation(channel: str) -> str:
    """Posting to a user id lands in the app's DM with them, which the stand-in names `D<user id>`."""
    return "D" + channel if channel[:1] in ("U", "W") else channel


def _posted_ts(standin: SlackStandIn, channel: str, args: dict[str, Any]) -> str | None:
    """The ts the stand-in gave a post: it stores the very blocks it was sent."""
    for message in reversed(standin.messages_in(channel)):
        if message.get("blocks") is args.get("blocks") and message.get("text") == args.get("text"):
            return str(message["ts"])
    return None
