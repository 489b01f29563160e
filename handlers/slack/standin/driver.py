"""Slack's side of the conversation: signed requests to the app's /slack/events, shaped as Slack
sends them (slash commands, button clicks, modal submissions, message shortcuts, events).

Requests go over real HTTP and are signed exactly as Slack signs them, so the app's own request
verification runs on every test. Response URLs and view ids come from the Slack stand-in, so
whatever the app does with them afterwards is recorded there.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from handlers.slack.standin.server import BOT_ID, BOT_USER_ID, RESPONSE_URL_METHOD, SlackStandIn, blocks_text

# Slack still sends the deprecated verification token in payloads; apps must not rely on it.
VERIFICATION_TOKEN = "verification-token"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
DEFAULT_CHANNEL = "C0ACCT"
# How long to look for an answer by response URL when the app's background work can't be awaited.
FOLLOW_UP_WAIT = 5.0
DEFAULT_CHANNEL_NAME = "acct"
DEFAULT_MESSAGE_TS = "1764000000.000100"
VIEW_TYPES = ("home", "modal")


@dataclass
class Reply:
    """The app's HTTP answer: the acknowledgement Slack would receive (and show, for commands)."""

    status: int
    body: Any  # parsed JSON, raw text, or {} for an empty acknowledgement
    elapsed_ms: float

    @property
    def text(self) -> str:
        """What a person would read: the `text` plus every text in the `blocks`."""
        if isinstance(self.body, str):
            return self.body
        if isinstance(self.body, dict):
            parts = [str(self.body.get("text") or ""), blocks_text(self.body.get("blocks"))]
            return "\n".join(part for part in parts if part)
        return ""

    @property
    def response_type(self) -> str | None:
        return self.body.get("response_type") or None if isinstance(self.body, dict) else None


class SlackDriver:
    """Plays Slack for one workspace against the app at `app_url` (its /slack/events endpoint)."""

    def __init__(
        self,
        app_url: str,
        signing_secret: str,
        standin: SlackStandIn,
        *,
        team_id: str = "T0001",
        team_domain: str = "acme",
        api_app_id: str = "A0TANTO",
        settle: Callable[[], None] | None = None,
    ) -> None:
        self.app_url = app_url
        self.signing_secret = signing_secret
        self.standin = standin
        self.team_id = team_id
        self.team_domain = team_domain
        self.api_app_id = api_app_id
        # Waits until the app has finished what it does after acknowledging (when the caller can
        # tell); otherwise answers sent by response URL are polled for.
        self.settle = settle
        self.client = httpx.Client(timeout=30)
        self._counter = itertools.count(1)
        self._channel_names: dict[str, str] = {DEFAULT_CHANNEL: DEFAULT_CHANNEL_NAME}
        # Where each acknowledgement was shown, so clicking a button in it reports the right
        # channel and message. Keyed by id(); the body is kept so the id cannot be reused.
        self._acks: dict[int, tuple[dict[str, Any], str, str]] = {}
        self._reply_channels: dict[str, str] = {}

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> SlackDriver:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # Transport

    def signature(self, body: bytes, timestamp: int | str, secret: str | None = None) -> str:
        """Slack's v0 signature: HMAC-SHA256 over `v0:<timestamp>:<raw body>`."""
        base = f"v0:{timestamp}:".encode() + body
        key = (self.signing_secret if secret is None else secret).encode()
        return "v0=" + hmac.new(key, base, hashlib.sha256).hexdigest()

    def raw(
        self,
        body: bytes,
        content_type: str,
        *,
        sign: bool = True,
        timestamp: int | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """POST exactly these bytes; for tests of verification itself (forged, unsigned, stale)."""
        sent = {"Content-Type": content_type}
        if sign:
            stamp = str(int(time.time()) if timestamp is None else timestamp)
            sent["X-Slack-Request-Timestamp"] = stamp
            sent["X-Slack-Signature"] = self.signature(body, stamp, secret)
        sent.update(headers or {})
        return self.client.post(self.app_url, content=body, headers=sent)

    def _send(self, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> Reply:
        started = time.perf_counter()
        response = self.raw(body, content_type, headers=headers)
        elapsed_ms = (time.perf_counter() - started) * 1000
        return Reply(response.status_code, _parse(response), elapsed_ms)

    def _send_payload(self, payload: dict[str, Any]) -> Reply:
        """Interactivity: Slack form-encodes the JSON payload into a single `payload` field."""
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        return self._send(body, FORM)

    # Slash commands

    def command(
        self,
        command: str,
        text: str,
        *,
        user: str,
        channel: str = DEFAULT_CHANNEL,
        channel_name: str = DEFAULT_CHANNEL_NAME,
        retry_num: int | None = None,
        trigger_id: str | None = None,
        response_url: str | None = None,
        follow_up: bool = True,
    ) -> Reply:
        """A slash command typed by `user` in `channel`; `retry_num` marks Slack's redelivery.

        An empty acknowledgement is replaced by the answer the app then sends to the response URL
        (what the user sees), unless `follow_up` is False: then the bare acknowledgement.
        """
        self._channel_names[channel] = channel_name
        response_url = response_url or self._response_url(channel)
        fields = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel,
            "channel_name": channel_name,
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id or self.new_trigger_id(),
        }
        reply = self._send(urllib.parse.urlencode(fields).encode(), FORM, _retry_headers(retry_num))
        if reply.status == 200 and not reply.body and follow_up:
            reply = self._answer_by_response_url(reply, response_url)
        if isinstance(reply.body, dict):
            self._acks[id(reply.body)] = (reply.body, channel, self._next_ts())
        return reply

    def _answer_by_response_url(self, ack: Reply, response_url: str) -> Reply:
        """A command acknowledged empty is answered through its response URL (a capture is stored
        first, then answered): that answer is what the user sees, so it stands for the reply."""
        path = urllib.parse.urlparse(response_url).path
        if self.settle is not None:
            self.settle()
        deadline = time.monotonic() + FOLLOW_UP_WAIT
        while True:
            posts = [c for c in self.standin.calls_to(RESPONSE_URL_METHOD) if c.path == path and not c.failed]
            if posts:
                return Reply(ack.status, posts[0].args, ack.elapsed_ms)
            if self.settle is not None or time.monotonic() > deadline:
                return ack
            time.sleep(0.01)

    # Interactivity

    def click(
        self,
        action_id: str,
        *,
        user: str,
        value: str | None = None,
        container: dict[str, Any] | None = None,
        selected_option: dict[str, Any] | None = None,
        message: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
        block_id: str = "b",
        action_type: str | None = None,
        response_url: str | None = None,
        trigger_id: str | None = None,
    ) -> Reply:
        """A `block_actions` payload built from parts; `click_button_in` finds the parts for you.

        A message container given in part (e.g. only `is_ephemeral`) is completed with defaults.
        """
        action: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block_id,
            "type": action_type or ("overflow" if selected_option is not None else "button"),
        }
        if value is not None:
            action["value"] = value
        if selected_option is not None:
            action["selected_option"] = selected_option
        return self._block_actions(
            action, user=user, container=container, message=message, view=view,
            response_url=response_url, trigger_id=trigger_id,
        )  # fmt: skip

    def click_button_in(
        self,
        source: dict[str, Any],
        action_id: str,
        *,
        user: str,
        option: str | None = None,
        nth: int = 0,
        response_url: str | None = None,
    ) -> Reply:
        """Click the first element with `action_id` in a message or view, as Slack reports it.

        `source` is a message (an acknowledgement body, chat.postMessage arguments, a response URL
        post, or a stored message) or a view (`type` "home" or "modal"). For menus, `option` picks
        an option by value or label; the first option otherwise. `nth` clicks a later element with
        the same action_id instead (a list has one menu per row); `response_url` is the one the
        payload carries, when the caller hands them out itself.
        """
        block, element = _find_element(source, action_id, nth)
        action: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block.get("block_id") or "b",
            "type": element.get("type") or "button",
        }
        if "options" in element:
            action["selected_option"] = _pick_option(element, option)
        else:
            for key in ("text", "value", "style"):
                if key in element:
                    action[key] = element[key]
        if source.get("type") in VIEW_TYPES:
            view = self._view_payload(source)
            container = {"type": "view", "view_id": view["id"]}
            return self._block_actions(action, user=user, container=container, view=view)
        channel, ts = self._whereabouts(source)
        ephemeral = source.get("response_type") == "ephemeral"
        container = {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": ephemeral}
        # Slack sends the message for channel messages only; an ephemeral one it no longer has.
        message = None if ephemeral else self._as_message(source, ts)
        return self._block_actions(action, user=user, container=container, message=message, response_url=response_url)

    def submit_view(self, view: dict[str, Any], values: dict[str, Any], *, user: str) -> Reply:
        """Submit a modal the app opened, with `values` as Slack's view.state.values.

        The view keeps the id the stand-in gave it, so submitting it twice carries the same id.
        """
        payload = {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(user),
            "api_app_id": self.api_app_id,
            "token": VERIFICATION_TOKEN,
            "trigger_id": self.new_trigger_id(),
            "view": self._view_payload(view, values),
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self._send_payload(payload)

    def message_shortcut(
        self,
        callback_id: str,
        *,
        user: str,
        message: dict[str, Any],
        channel: str = DEFAULT_CHANNEL,
        channel_name: str = DEFAULT_CHANNEL_NAME,
    ) -> Reply:
        """A message shortcut chosen from a message's menu."""
        self._channel_names[channel] = channel_name
        payload = {
            "type": "message_action",
            "token": VERIFICATION_TOKEN,
            "action_ts": _now_ts(),
            "team": self._team(),
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": self.team_id},
            "channel": {"id": channel, "name": channel_name},
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": self.new_trigger_id(),
            "response_url": self._response_url(channel),
            "message_ts": message["ts"],
            "message": message,
            "api_app_id": self.api_app_id,
        }
        return self._send_payload(payload)

    # Events API

    def event(self, event: dict[str, Any], *, retry_num: int | None = None, event_id: str | None = None) -> Reply:
        """An Events API delivery; give the same `event_id` with `retry_num` for a redelivery."""
        envelope = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "context_team_id": self.team_id,
            "context_enterprise_id": None,
            "api_app_id": self.api_app_id,
            "event": {**event, "event_ts": event.get("event_ts") or _now_ts()},
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._counter):08d}{secrets.token_hex(3).upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
        return self._send(json.dumps(envelope).encode(), JSON, _retry_headers(retry_num))

    def url_verification(self, challenge: str) -> Reply:
        body = {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
        return self._send(json.dumps(body).encode(), JSON)

    # Parts of payloads

    def new_trigger_id(self) -> str:
        """Unique, and shaped like Slack's: `<digits>.<digits>.<hex>`."""
        return f"{1_000_000_000 + next(self._counter)}.{secrets.randbelow(10**9):09d}.{secrets.token_hex(16)}"

    def _next_ts(self) -> str:
        # Kept apart from the stand-in's own ts range, so the two never hand out the same ts.
        return f"1763000000.{next(self._counter):06d}"

    def _team(self) -> dict[str, str]:
        return {"id": self.team_id, "domain": self.team_domain}

    def _user(self, user: str) -> dict[str, str]:
        return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": self.team_id}

    def _response_url(self, channel: str) -> str:
        url = self.standin.new_response_url()
        self._reply_channels[url] = channel
        return url

    def _channel_name(self, channel: str) -> str:
        if channel.startswith("D"):
            return "directmessage"
        return self._channel_names.get(channel, channel.lower())

    def _block_actions(
        self,
        action: dict[str, Any],
        *,
        user: str,
        container: dict[str, Any] | None,
        message: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
        response_url: str | None = None,
        trigger_id: str | None = None,
    ) -> Reply:
        box = dict(container or {"type": "message"})
        if box.get("type") == "message":
            defaults = {"message_ts": DEFAULT_MESSAGE_TS, "channel_id": DEFAULT_CHANNEL, "is_ephemeral": False}
            box = {"type": "message", **defaults, **box}
        elif box.get("type") == "view" and view is not None:
            box.setdefault("view_id", view.get("id"))
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user),
            "api_app_id": self.api_app_id,
            "token": VERIFICATION_TOKEN,
            "container": box,
            "trigger_id": trigger_id or self.new_trigger_id(),
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if box.get("type") == "message":
            channel = str(box["channel_id"])
            payload["channel"] = {"id": channel, "name": self._channel_name(channel)}
            if message is not None:
                payload["message"] = message
            payload["state"] = {"values": {}}
            payload["response_url"] = response_url or self._response_url(channel)
        else:
            if view is not None:
                payload["view"] = view
            payload["state"] = {"values": {}}
        payload["actions"] = [{**action, "action_ts": _now_ts()}]
        return self._send_payload(payload)

    def _view_payload(self, view: dict[str, Any], values: dict[str, Any] | None = None) -> dict[str, Any]:
        """The view as Slack sends it back: the app's view plus the id, hash and state Slack keeps."""
        try:
            view_id = self.standin.view_id(view)
            view_hash = self.standin.view_hash(view)
        except KeyError:
            view_id = view.get("id") or ("V0HOME" if view.get("type") == "home" else _content_id("V", view))
            view_hash = view.get("hash") or _content_id("1764000000.", view)
        return {
            **view,
            "id": view_id,
            "team_id": self.team_id,
            "state": {"values": values or {}},
            "hash": view_hash,
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": self.api_app_id,
            "external_id": view.get("external_id", ""),
            "app_installed_team_id": self.team_id,
            "bot_id": BOT_ID,
        }

    def _whereabouts(self, source: dict[str, Any]) -> tuple[str, str]:
        """The channel and ts of a message, from whatever is known about where it was shown."""
        ack = self._acks.get(id(source))
        if ack is not None and ack[0] is source:
            return ack[1], ack[2]
        channel = source.get("channel") if isinstance(source.get("channel"), str) else None
        if channel is None:
            channel = self._response_url_channel(source)
        channel = channel or DEFAULT_CHANNEL
        ts = source.get("ts")
        if not ts:
            ts = next(
                (
                    message["ts"]
                    for message in reversed(self.standin.messages_in(channel))
                    if message.get("blocks") == source.get("blocks") and message.get("text") == source.get("text")
                ),
                DEFAULT_MESSAGE_TS,
            )
        return channel, str(ts)

    def _response_url_channel(self, source: dict[str, Any]) -> str | None:
        """The channel of a message the app sent through a response URL this driver handed out."""
        for call in self.standin.calls_to(RESPONSE_URL_METHOD):
            if call.args is source:
                return self._reply_channels.get(self.standin.base_url + call.path)
        return None

    def _as_message(self, source: dict[str, Any], ts: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "user": source.get("user") or BOT_USER_ID,
            "bot_id": source.get("bot_id") or BOT_ID,
            "app_id": self.api_app_id,
            "text": source.get("text") or "",
            "blocks": source.get("blocks") or [],
            "team": self.team_id,
            "ts": ts,
        }
        for key in ("metadata", "thread_ts", "attachments", "edited"):
            if key in source:
                message[key] = source[key]
        return message


# Finding things in Block Kit


def _find_element(source: dict[str, Any], action_id: str, nth: int = 0) -> tuple[dict[str, Any], dict[str, Any]]:
    """The `nth` interactive element with `action_id`, and its block; AssertionError naming the rest."""
    found: list[str] = []
    for block in source.get("blocks") or []:
        candidates = [block.get("accessory"), block.get("element"), *(block.get("elements") or [])]
        for element in candidates:
            if isinstance(element, dict) and "action_id" in element:
                if element["action_id"] == action_id:
                    if nth == 0:
                        return block, element
                    nth -= 1
                found.append(str(element["action_id"]))
    raise AssertionError(f"no element with action_id {action_id!r}; the action_ids here are {found}")


def _pick_option(element: dict[str, Any], choice: str | None) -> dict[str, Any]:
    options: list[dict[str, Any]] = [
        *element.get("options", []),
        *(option for group in element.get("option_groups", []) for option in group.get("options", [])),
    ]
    if not options:
        raise AssertionError(f"menu {element.get('action_id')!r} has no options")
    if choice is None:
        return options[0]
    for option in options:
        if choice in (option.get("value"), (option.get("text") or {}).get("text")):
            return option
    labels = [(option.get("value"), (option.get("text") or {}).get("text")) for option in options]
    raise AssertionError(f"menu {element.get('action_id')!r} has no option {choice!r}; it has {labels}")


# Small helpers


def _parse(response: httpx.Response) -> Any:
    """JSON when the app answered JSON, text otherwise, and {} for an empty acknowledgement."""
    if not response.content.strip():
        return {}
    if "json" in response.headers.get("content-type", ""):
        try:
            return response.json()
        except json.JSONDecodeError:
            return response.text
    return response.text


def _retry_headers(retry_num: int | None) -> dict[str, str] | None:
    if retry_num is None:
        return None
    return {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}


def _now_ts() -> str:
    return f"{time.time():.6f}"


def _content_id(prefix: str, view: dict[str, Any]) -> str:
    """A stable id for a view the stand-in never saw: equal views get equal ids, as view_id matches them."""
    digest = hashlib.sha256(json.dumps(view, sort_keys=True, default=str).encode()).hexdigest()
    return prefix + digest[:10].upper()
