"""A local stand-in for Slack's Web API: a real HTTP server the app talks to through slack_sdk.

It answers the methods Tanto uses the way Slack does (HTTP 200 with `{"ok": false, "error": ...}`
for API errors, HTTP 429 with Retry-After for rate limits), records every call so tests can
assert on what the app sent, and lets tests inject failures, slowness, per-channel rate limits
and lost connections (including the answer lost after the message was posted). Response URLs are
served here too, so what the app sends through them is recorded like any other call.

Being a real server (not a mocked client) keeps the app's HTTP stack, retry handlers and
serialisation in the loop: what passes here has gone over the wire as it would to Slack.
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import itertools
import json
import math
import socket
import struct
import threading
import time
import urllib.parse
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handlers.slack.standin.oauth import ACCESS_METHOD, OAuthDesk, client_credentials

BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
APP_ID = "A0TANTO"
TEAM_NAME = "Stand-in"
TEAM_URL = "https://standin.slack.com/"
RESPONSE_URL_METHOD = "response_url"
UPLOAD_METHOD = "file_upload"
# The first message ts handed out; later ones count up from it, like Slack's do.
FIRST_TS_MICROS = 1_764_000_000_000_100
TS_STEP_MICROS = 100
# Methods that take the app-level token (xapp-…) instead of the bot token.
APP_LEVEL_METHODS = frozenset({"apps.connections.open"})
# Form-encoded arguments Slack expects as JSON text; recorded decoded, as the app meant them.
JSON_ARGUMENTS = frozenset(
    {"view", "blocks", "attachments", "metadata", "files", "unfurls", "user_auth_blocks", "options", "option_groups"}
)


@dataclass(frozen=True)
class Call:
    """One request the app made: a Web API method, a response URL post or a file upload."""

    method: str
    args: dict[str, Any]
    token: str | None
    at: float  # time.monotonic() when the request arrived, to check pacing and retry delays
    path: str
    failed: bool = False  # answered with an error (injected or genuine), so attempts can be told apart


@dataclass
class _Failure:
    status: int
    error: str
    retry_after: float | None


@dataclass
class _RateLimit:
    interval: float  # seconds between accepted calls, per conversation
    retry_after: int  # whole seconds, as Slack sends them
    workspace_rate: float = 0.0  # accepted calls per second across all conversations; 0: unlimited
    # The workspace-wide bucket: calls that may go through now, refilled at workspace_rate up to
    # one second's worth, so a short burst passes and a sustained flood does not.
    tokens: float = 0.0
    refilled: float = 0.0  # time.monotonic() of the last refill


@dataclass(frozen=True)
class _Drop:
    after_effect: bool


@dataclass
class _Answer:
    status: int
    body: dict[str, Any] | str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.status != 200 or (isinstance(self.body, dict) and not self.body.get("ok", False))


@dataclass
class _User:
    user_id: str
    name: str
    tz: str
    locale: str
    is_admin: bool
    team_id: str
    real_name: str
    is_bot: bool = False
    status_text: str = ""
    status_emoji: str = ""
    status_expiration: int = 0  # Unix seconds; 0 means the status does not expire
    email: str | None = None  # shown only to apps with users:read.email, as on Slack


@dataclass
class _ViewRecord:
    view_id: str
    view: dict[str, Any]  # the very object recorded in the call's args, so identity matching works


class _SlackError(Exception):
    """An API error: answered as HTTP 200 with ok false, as Slack does."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Requests held by set_delay must not hold up stop(): they are woken and abandoned.
    block_on_close = False
    # socketserver's default backlog is 5: a burst of connections beyond it has its SYNs dropped
    # and retried by the kernel seconds later, a stall real Slack never shows.
    request_queue_size = 1024

    def __init__(self, standin: SlackStandIn) -> None:
        self.standin = standin
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    # Set by drop_next: end the connection with a reset instead of an answer.
    abort: bool = False

    def do_POST(self) -> None:
        self.server.standin._serve(self)

    def do_GET(self) -> None:
        self.server.standin._serve(self)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: test output should show the app's logs, not a line per request."""

    def finish(self) -> None:
        super().finish()
        if self.abort:
            # Linger 0 makes close() send a TCP reset: the client sees the connection torn down
            # mid-request (no status line at all), not a clean end of an answer.
            with contextlib.suppress(OSError):
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()


class SlackStandIn:
    """Slack's Web API for one workspace, on 127.0.0.1 on a free port.

    Use as a context manager, or call start() and stop(). Point slack_sdk at `api_url`.
    """

    def __init__(self, team_id: str = "T0001", token: str = "xoxb-test", app_token: str = "xapp-test") -> None:
        self.team_id = team_id
        self.token = token
        self.app_token = app_token  # the app-level token (Socket Mode), accepted by apps.* methods only
        # What auth.test's x-oauth-scopes header says the bot token was granted; None leaves the header out.
        self.scopes: list[str] | None = ["commands", "chat:write", "users:read", "im:write"]
        # Installs over OAuth: each workspace's own tokens, besides the one `token` above.
        self.oauth = OAuthDesk(app_id=APP_ID, bot_user_id=BOT_USER_ID, bot_id=BOT_ID, team_url=TEAM_URL)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._calls: list[Call] = []
        self._failures: dict[str, deque[_Failure]] = {}
        self._delays: dict[str, float] = {}
        self._drops: dict[str, deque[_Drop]] = {}
        self._rate_limits: dict[str, _RateLimit] = {}
        # (method, conversation or None) -> time.monotonic() of the last call let through.
        self._admitted: dict[tuple[str, str | None], float] = {}
        self._users: dict[str, _User] = {
            BOT_USER_ID: _User(BOT_USER_ID, "tanto", "UTC", "en-US", False, team_id, "Tanto", is_bot=True)
        }
        self._channels: dict[str, dict[str, Any]] = {}
        self._messages: dict[str, list[dict[str, Any]]] = {}
        self._views: list[_ViewRecord] = []
        self._view_hashes: dict[str, str] = {}
        self._home_ids: dict[str, str] = {}
        self._homes: dict[str, dict[str, Any]] = {}
        self._files: dict[str, dict[str, Any]] = {}
        self._group_dms: dict[frozenset[str], str] = {}
        self._ts_counter = itertools.count()
        self._id_counter = itertools.count(1)
        self._response_counter = itertools.count(1)
        self._methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "api.test": self._api_test,
            "apps.connections.open": self._apps_connections_open,
            "auth.test": self._auth_test,
            "users.info": self._users_info,
            "users.list": self._users_list,
            "users.lookupByEmail": self._users_lookup_by_email,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "conversations.history": self._conversations_history,
            "conversations.open": self._conversations_open,
            "conversations.replies": self._conversations_replies,
            "conversations.info": self._conversations_info,
            "conversations.members": self._conversations_members,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }

    # Lifecycle

    def start(self) -> SlackStandIn:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, name="slack-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()  # wakes requests sleeping in set_delay
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)
        self._server = None
        self._thread = None

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the Slack stand-in is not running; use it as a context manager or call start()")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        """The slack_sdk base_url: it appends the method name, e.g. `.../api/chat.postMessage`."""
        return f"{self.base_url}/api/"

    # Workspace contents

    def add_user(
        self,
        user_id: str,
        *,
        name: str,
        tz: str = "UTC",
        locale: str = "en-US",
        is_admin: bool = False,
        team_id: str | None = None,
        real_name: str | None = None,
        email: str | None = None,
    ) -> None:
        ZoneInfo(tz)  # a typo in a test's timezone should fail here, not as a puzzling answer later
        with self._lock:
            self._users[user_id] = _User(
                user_id, name, tz, locale, is_admin, team_id or self.team_id, real_name or name.capitalize(),
                email=email,
            )  # fmt: skip

    def add_channel(
        self, channel_id: str, *, name: str, members: list[str] | None = None, is_private: bool = False
    ) -> None:
        """Optional: channels not added still work, named after their id with every user a member."""
        with self._lock:
            self._channels[channel_id] = {"name": name, "members": members, "is_private": is_private}

    # Test controls

    def new_response_url(self) -> str:
        """A fresh response URL; what the app posts to it is recorded as a `response_url` call."""
        return f"{self.base_url}/response/{next(self._response_counter)}"

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self._calls if call.method == method]

    def clear(self) -> None:
        """Forget recorded calls; messages, views and users stay, as they would in Slack."""
        with self._lock:
            self._calls.clear()

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until `count` calls to `method` were recorded (the app often calls after answering)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [call for call in self._calls if call.method == method]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = ", ".join(call.method for call in self._calls) or "nothing"
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {count} call(s) to {method}; "
                        f"got {len(found)}. Recorded: {seen}"
                    )
                self._changed.wait(remaining)

    def fail_next(
        self,
        method: str,
        *,
        times: int = 1,
        status: int = 200,
        error: str = "internal_error",
        retry_after: float | None = None,
    ) -> None:
        """Make the next `times` calls to `method` (or "response_url") fail.

        status 429: a rate limit with Retry-After; other non-200: that HTTP status; 200: ok false
        with `error` (e.g. "expired_trigger_id" to simulate a trigger that outlived its 3 seconds).
        """
        with self._lock:
            queue = self._failures.setdefault(method, deque())
            queue.extend(_Failure(status, error, retry_after) for _ in range(times))

    def set_delay(self, method: str, seconds: float) -> None:
        """Answer `method` only after `seconds`; other requests are served meanwhile (0 to undo)."""
        with self._lock:
            if seconds > 0:
                self._delays[method] = seconds
            else:
                self._delays.pop(method, None)

    def limit_rate(
        self, method: str, per_second: float, *, retry_after: float = 1.0, workspace_per_second: float = 0.0
    ) -> None:
        """From now on, let through at most `per_second` calls to `method` per conversation.

        Slack limits chat.postMessage to about one message per second per channel, and a burst
        of reminders must survive that. The key is the `channel` argument (a user id counts as
        the DM with them); methods without one share a single bucket. A call inside the window
        is answered as Slack answers it (HTTP 429, `Retry-After` in whole seconds, at least 1,
        error "ratelimited") and has no effect. Calls made before the limit do not count.
        `per_second` 0 removes the limit.

        `workspace_per_second` adds Slack's workspace-wide limit on top (for chat.postMessage,
        several hundred messages per minute, bursts tolerated): a bucket of one second's worth of
        calls, refilled at that rate, shared by every conversation; a call it cannot cover is
        answered 429 the same way.
        """
        if per_second < 0 or workspace_per_second < 0:
            raise ValueError(f"rates must be positive, or 0 for no limit; got {per_second}, {workspace_per_second}")
        with self._lock:
            self._admitted = {key: at for key, at in self._admitted.items() if key[0] != method}
            if per_second == 0:
                self._rate_limits.pop(method, None)
            else:
                burst = max(1.0, workspace_per_second)
                self._rate_limits[method] = _RateLimit(
                    1 / per_second, max(1, math.ceil(retry_after)), workspace_per_second, burst, time.monotonic()
                )

    def drop_next(self, method: str, *, times: int = 1, after_effect: bool = False) -> None:
        """Make the next `times` calls to `method` end in a reset connection instead of an answer.

        after_effect False: the request is lost on its way in, so nothing happens. True: it is
        carried out (a message is posted and shows in history) and only the answer is lost, so
        the sender cannot know it went through; a retry then posts it twice unless the app
        guards against that. Either way the call is recorded with failed=True.
        """
        with self._lock:
            self._drops.setdefault(method, deque()).extend(_Drop(after_effect) for _ in range(times))

    def set_status(self, user_id: str, *, text: str = "", emoji: str = "", expiration: int = 0) -> None:
        """A user's custom status ("On vacation", ":palm_tree:"), as users.info and users.list show it.

        Vacation detection reads it; `expiration` is Unix seconds (0: no expiry). Slack keeps
        showing a status past its expiration until it clears it, so neither does the stand-in.
        """
        with self._lock:
            user = self._users.get(user_id)
            if user is None:
                raise KeyError(f"no user {user_id} in the stand-in; add_user() first")
            user.status_text, user.status_emoji, user.status_expiration = text, emoji, expiration

    def view_id(self, view: dict[str, Any]) -> str:
        """The id assigned to a view received through views.open/push/update/publish."""
        return self._find_view(view).view_id

    def view_hash(self, view: dict[str, Any]) -> str:
        """The current hash of that view, as views.update and view_submission payloads carry it."""
        record = self._find_view(view)
        with self._lock:
            return self._view_hashes[record.view_id]

    def home_of(self, user_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._homes.get(user_id)

    def file_content(self, file_id: str) -> bytes | None:
        """What was uploaded for a file, once its upload finished."""
        with self._lock:
            return (self._files.get(file_id) or {}).get("content")

    def messages_in(self, channel: str) -> list[dict[str, Any]]:
        """Messages posted to a channel and still there, oldest first."""
        with self._lock:
            return [dict(message) for message in self._messages.get(channel, [])]

    def posts_with_metadata(self, event_type: str) -> list[dict[str, Any]]:
        """Messages still stored anywhere whose metadata.event_type is `event_type`, in posting order.

        Each carries an added "channel" key. The app tags what it posts with metadata, so a test
        can count deliveries of one reminder exactly, whichever conversation they landed in.
        """
        with self._lock:
            found = [
                {**message, "channel": channel}
                for channel, messages in self._messages.items()
                for message in messages
                if isinstance(message.get("metadata"), dict) and message["metadata"].get("event_type") == event_type
            ]
        # Every ts comes from one counter, so ts order is posting order across conversations.
        return sorted(found, key=lambda message: Decimal(message["ts"]))

    # Serving

    def _serve(self, handler: _Handler) -> None:
        arrived = time.monotonic()
        parts = urllib.parse.urlsplit(handler.path)
        raw = _read_body(handler)
        content_type = handler.headers.get("Content-Type", "")
        if parts.path.startswith("/api/"):
            method = parts.path.removeprefix("/api/")
            args = _query_args(parts.query)
            args.update(_body_args(raw, content_type))
            token = _bearer(handler.headers.get("Authorization")) or _as_str(args.pop("token", None))
            args.update(client_credentials(handler.headers.get("Authorization")))
        elif parts.path.startswith("/response/"):
            method, token = RESPONSE_URL_METHOD, None
            args = _body_args(raw, content_type)
        elif parts.path.startswith("/upload/"):
            method, token = UPLOAD_METHOD, None
            args = {
                "file_id": parts.path.removeprefix("/upload/"), "size": len(raw), "content_type": content_type,
                "content": raw,
            }  # fmt: skip
        else:
            _send(handler, _Answer(404, {"ok": False, "error": "not_found"}))
            return
        with self._lock:
            delay = self._delays.get(method, 0.0)
        if delay:
            self._stopping.wait(delay)
        with self._lock:
            drops = self._drops.get(method)
            drop = drops.popleft() if drops else None
            # Lost on its way in: never carried out. Lost on its way back: carried out, unanswered.
            answer = None if drop is not None and not drop.after_effect else self._answer(method, args, token)
            failed = drop is not None or (answer is not None and answer.failed)
            self._calls.append(Call(method, args, token, arrived, handler.path, failed=failed))
            self._changed.notify_all()
        if drop is not None or answer is None:
            handler.abort = True
            handler.close_connection = True
            return
        _send(handler, answer)

    def _answer(self, method: str, args: dict[str, Any], token: str | None) -> _Answer:
        """What to send back; runs under the lock, so each method sees a consistent workspace."""
        queue = self._failures.get(method)
        if queue:
            return _failure_answer(queue.popleft(), plain_text=method == RESPONSE_URL_METHOD)
        limit = self._rate_limits.get(method)
        if limit is not None and not self._admit(method, args, limit):
            return _Answer(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(limit.retry_after)})
        if method == RESPONSE_URL_METHOD:
            return _Answer(200, {"ok": True})
        if method == UPLOAD_METHOD:
            return self._upload(args)
        if method == ACCESS_METHOD:  # the app's client id and secret stand in for a token here
            return _Answer(200, self.oauth.access(args))
        handle = self._methods.get(method)
        if handle is None:
            return _Answer(200, {"ok": False, "error": "unknown_method", "req_method": method})
        if token is None:
            return _Answer(200, {"ok": False, "error": "not_authed"})
        issued = self.oauth.issued(token)  # a workspace's own token, from an install
        if issued is not None and issued.refusal():
            return _Answer(200, {"ok": False, "error": issued.refusal()})
        expected = self.app_token if method in APP_LEVEL_METHODS else self.token
        if issued is None and token != expected:
            # A known token of the other kind is refused for its type, as Slack refuses it.
            wrong_kind = token in (self.token, self.app_token)
            return _Answer(200, {"ok": False, "error": "not_allowed_token_type" if wrong_kind else "invalid_auth"})
        try:
            body = self.oauth.auth_test(issued) if issued is not None and method == "auth.test" else handle(args)
        except _SlackError as error:
            return _Answer(200, {"ok": False, "error": error.error})
        headers = {"x-oauth-scopes": ",".join(self.scopes)} if method == "auth.test" and self.scopes is not None else {}
        return _Answer(200, {"ok": True, **body}, headers)

    def _admit(self, method: str, args: dict[str, Any], limit: _RateLimit) -> bool:
        """Whether a call fits its conversation's window; one that fits starts the next window."""
        channel = _as_str(args.get("channel"))
        if channel and channel[0] in "UW" and channel in self._users:
            channel = "D" + channel  # the same conversation as its DM id, as _channel_id resolves it
        key = (method, channel or None)
        now = time.monotonic()
        last = self._admitted.get(key)
        if last is not None and now - last < limit.interval:
            return False
        if limit.workspace_rate:
            burst = max(1.0, limit.workspace_rate)
            limit.tokens = min(burst, limit.tokens + (now - limit.refilled) * limit.workspace_rate)
            limit.refilled = now
            if limit.tokens < 1:
                return False
            limit.tokens -= 1
        self._admitted[key] = now
        return True

    # Identifiers

    def _next_ts(self) -> str:
        micros = FIRST_TS_MICROS + TS_STEP_MICROS * next(self._ts_counter)
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._id_counter):08d}"

    def _new_hash(self) -> str:
        return f"{int(time.time())}.{next(self._id_counter):08x}"

    # Methods

    def _api_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"args": args} if args else {}

    def _apps_connections_open(self, _: dict[str, Any]) -> dict[str, Any]:
        # A WebSocket URL of Slack's shape; nothing listens there: Socket Mode itself is not served.
        return {"url": f"wss://wss-primary.slack.com/link/?ticket=standin-{next(self._id_counter)}&app_id={APP_ID}"}

    def _auth_test(self, _: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": TEAM_URL,
            "team": TEAM_NAME,
            "user": "tanto",
            "team_id": self.team_id,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _user_object(self, user: _User, *, include_locale: bool) -> dict[str, Any]:
        zone = _zone(user.tz)
        now = datetime.now(zone)
        offset = now.utcoffset()
        found: dict[str, Any] = {
            "id": user.user_id,
            "team_id": user.team_id,
            "name": user.name,
            "deleted": False,
            "real_name": user.real_name,
            "tz": user.tz,
            "tz_label": now.tzname() or user.tz,
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "profile": {
                "display_name": user.name,
                "display_name_normalized": user.name,
                "real_name": user.real_name,
                "real_name_normalized": user.real_name,
                "team": user.team_id,
                "status_text": user.status_text,
                "status_emoji": user.status_emoji,
                "status_expiration": user.status_expiration,
                **({"email": user.email} if user.email else {}),
                **({"bot_id": BOT_ID} if user.is_bot else {}),
            },
            "is_admin": user.is_admin,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": user.is_bot,
            "is_app_user": False,
            "updated": 1_764_000_000,
        }
        if include_locale:
            found["locale"] = user.locale
        return found

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self._users.get(_as_str(args.get("user")) or "")
        if user is None:
            raise _SlackError("user_not_found")
        return {"user": self._user_object(user, include_locale=_flag(args.get("include_locale")))}

    def _users_lookup_by_email(self, args: dict[str, Any]) -> dict[str, Any]:
        email = (_as_str(args.get("email")) or "").strip().lower()
        if not email:
            raise _SlackError("invalid_arguments")
        # Slack compares addresses without regard to case, and answers the plural error name.
        user = next((u for u in self._users.values() if u.email and u.email.lower() == email), None)
        if user is None:
            raise _SlackError("users_not_found")
        return {"user": self._user_object(user, include_locale=False)}

    def _users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        include_locale = _flag(args.get("include_locale"))
        members = [self._user_object(user, include_locale=include_locale) for user in self._users.values()]
        return {"members": members, "cache_ts": int(time.time()), "response_metadata": {"next_cursor": ""}}

    def _channel_id(self, args: dict[str, Any], key: str = "channel") -> str:
        channel = _as_str(args.get(key))
        if not channel:
            raise _SlackError("channel_not_found")
        # Posting to a user id lands in the app's DM with them, as on Slack.
        if channel[0] in "UW" and channel in self._users:
            return "D" + channel
        return channel

    def _find_message(self, channel: str, ts: str) -> dict[str, Any]:
        for message in self._messages.get(channel, []):
            if message["ts"] == ts:
                return message
        raise _SlackError("message_not_found")

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_id(args)
        if not (args.get("text") or args.get("blocks") or args.get("attachments")):
            raise _SlackError("no_text")
        if "blocks" in args and not isinstance(args["blocks"], list):
            raise _SlackError("invalid_blocks")
        ts = self._next_ts()
        message: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": self.team_id,
            "text": args.get("text") or "",
            "ts": ts,
        }
        for key in ("blocks", "attachments", "metadata", "thread_ts"):
            if args.get(key) is not None:
                message[key] = args[key]
        if _flag(args.get("reply_broadcast")):
            message["subtype"] = "thread_broadcast"
        self._messages.setdefault(channel, []).append(message)
        return {"channel": channel, "ts": ts, "message": dict(message)}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_id(args)
        ts = _as_str(args.get("ts")) or ""
        message = self._find_message(channel, ts)
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in args:
                message[key] = args[key]
        message["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
        return {"channel": channel, "ts": ts, "text": message.get("text", ""), "message": dict(message)}

    def _chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_id(args)
        ts = _as_str(args.get("ts")) or ""
        message = self._find_message(channel, ts)
        self._messages[channel].remove(message)
        return {"channel": channel, "ts": ts}

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        self._channel_id(args)
        if not args.get("user"):
            raise _SlackError("user_not_found")
        if not (args.get("text") or args.get("blocks") or args.get("attachments")):
            raise _SlackError("no_text")
        return {"message_ts": self._next_ts()}  # ephemeral: seen once, never in history

    def _chat_get_permalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_id(args)
        ts = _as_str(args.get("message_ts"))
        if not ts:
            raise _SlackError("message_not_found")
        return {"channel": channel, "permalink": f"{TEAM_URL}archives/{channel}/p{ts.replace('.', '')}"}

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_id(args)
        oldest = _decimal(args.get("oldest"))
        latest = _decimal(args.get("latest"))
        inclusive = _flag(args.get("inclusive"))
        limit = int(args.get("limit") or 100)
        with_metadata = _flag(args.get("include_all_metadata"))
        selected = []
        for message in reversed(self._messages.get(channel, [])):
            ts = Decimal(message["ts"])
            if message.get("thread_ts") not in (None, message["ts"]) and message.get("subtype") != "thread_broadcast":
                continue  # thread replies live in conversations.replies, not the channel history
            if not _within(ts, oldest, latest, inclusive=inclusive):
                continue
            shown = dict(message)
            if not with_metadata:
                shown.pop("metadata", None)
            selected.append(shown)
        return {
            "messages": selected[:limit],
            "has_more": len(selected) > limit,
            "pin_count": 0,
            "response_metadata": {"next_cursor": ""},
        }

    def _conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_id(args)
        parent = _as_str(args.get("ts"))
        self._find_message(channel, parent)  # message_not_found, as Slack answers
        with_metadata = _flag(args.get("include_all_metadata"))
        thread = []
        for message in self._messages.get(channel, []):
            if message["ts"] == parent or message.get("thread_ts") == parent:
                shown = dict(message)
                if not with_metadata:
                    shown.pop("metadata", None)
                thread.append(shown)
        limit = int(args.get("limit") or 100)
        return {"messages": thread[:limit], "has_more": len(thread) > limit, "response_metadata": {"next_cursor": ""}}

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if args.get("channel"):
            return {"channel": {"id": _as_str(args["channel"])}, "no_op": True, "already_open": True}
        users = args.get("users")
        ids = [u.strip() for u in (users.split(",") if isinstance(users, str) else users or []) if u.strip()]
        if not ids:
            raise _SlackError("users_list_not_supplied")
        for user_id in ids:
            if user_id not in self._users:
                raise _SlackError("user_not_found")
        channel_id = "D" + ids[0] if len(ids) == 1 else self._group_dm(frozenset(ids))
        already = channel_id in self._messages
        self._messages.setdefault(channel_id, [])
        return {"channel": {"id": channel_id}, "no_op": already, "already_open": already}

    def _group_dm(self, members: frozenset[str]) -> str:
        """The same people always get the same group conversation."""
        if members not in self._group_dms:
            self._group_dms[members] = self._next_id("G")
        return self._group_dms[members]

    def _conversation(self, channel_id: str) -> dict[str, Any]:
        known = self._channels.get(channel_id, {})
        is_im = channel_id.startswith("D")
        found: dict[str, Any] = {
            "id": channel_id,
            "name": known.get("name") or channel_id.lower(),
            "is_channel": not is_im,
            "is_group": False,
            "is_im": is_im,
            "is_mpim": channel_id.startswith("G"),
            "is_private": bool(known.get("is_private")) or is_im,
            "is_archived": False,
            "is_member": True,
            "context_team_id": self.team_id,
            "created": 1_700_000_000,
        }
        if is_im:
            found["user"] = channel_id[1:]
        return found

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"channel": self._conversation(self._channel_id(args))}

    def _conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_id(args)
        members = self._channels.get(channel, {}).get("members")
        if members is None:
            members = [user_id for user_id, user in self._users.items() if not user.is_bot] + [BOT_USER_ID]
        return {"members": list(members), "response_metadata": {"next_cursor": ""}}

    def _view_answer(self, view_id: str, view: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": view_id,
            "team_id": self.team_id,
            "type": view.get("type"),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": self._view_hashes[view_id],
            "title": view.get("title"),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "clear_on_close": bool(view.get("clear_on_close")),
            "notify_on_close": bool(view.get("notify_on_close")),
            "external_id": view.get("external_id", ""),
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": APP_ID,
            "app_installed_team_id": self.team_id,
            "bot_id": BOT_ID,
        }

    def _register_view(self, view_id: str, view: dict[str, Any]) -> None:
        self._views.append(_ViewRecord(view_id, view))
        self._view_hashes[view_id] = self._new_hash()

    def _modal_from(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id"):
            raise _SlackError("invalid_arguments")
        view = args.get("view")
        if not isinstance(view, dict) or view.get("type") != "modal":
            raise _SlackError("invalid_arguments")
        return view

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._modal_from(args)
        view_id = self._next_id("V")
        self._register_view(view_id, view)
        return {"view": self._view_answer(view_id, view)}

    def _views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._views_open(args)

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view")
        if not isinstance(view, dict):
            raise _SlackError("invalid_arguments")
        view_id = _as_str(args.get("view_id"))
        external_id = _as_str(args.get("external_id"))
        if not view_id and external_id:
            view_id = next((r.view_id for r in reversed(self._views) if r.view.get("external_id") == external_id), None)
        if not view_id or view_id not in self._view_hashes:
            raise _SlackError("not_found")
        if args.get("hash") and args["hash"] != self._view_hashes[view_id]:
            raise _SlackError("hash_conflict")
        self._register_view(view_id, view)
        return {"view": self._view_answer(view_id, view)}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = _as_str(args.get("user_id"))
        view = args.get("view")
        if not user_id or not isinstance(view, dict) or view.get("type") != "home":
            raise _SlackError("invalid_arguments")
        # One Home tab per user: its id stays while its content is replaced.
        view_id = self._home_ids.get(user_id)
        if view_id is None:
            view_id = self._home_ids[user_id] = self._next_id("V")
        elif args.get("hash") and args["hash"] != self._view_hashes[view_id]:
            raise _SlackError("hash_conflict")
        self._register_view(view_id, view)
        self._homes[user_id] = view
        return {"view": self._view_answer(view_id, view)}

    def _find_view(self, view: dict[str, Any]) -> _ViewRecord:
        with self._lock:
            for record in reversed(self._views):
                if record.view is view:
                    return record
            for record in reversed(self._views):
                if record.view == view:
                    return record
        raise KeyError(f"the stand-in never received this view: {_describe_view(view)}")

    def _files_get_upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        filename = _as_str(args.get("filename"))
        length = args.get("length")
        if not filename or length in (None, ""):
            raise _SlackError("invalid_arguments")
        file_id = self._next_id("F")
        self._files[file_id] = {"name": filename, "size": int(length), "uploaded": False}
        return {"upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files")
        if not isinstance(files, list) or not files:
            raise _SlackError("invalid_arguments")
        completed = []
        for entry in files:
            file_id = entry.get("id") if isinstance(entry, dict) else None
            known = self._files.get(file_id or "")
            if known is None:
                raise _SlackError("file_not_found")
            completed.append({"id": file_id, "name": known["name"], "title": entry.get("title") or known["name"]})
        return {"files": completed}

    def _upload(self, args: dict[str, Any]) -> _Answer:
        known = self._files.get(args["file_id"])
        if known is None:
            return _Answer(404, "file_not_found")
        known["uploaded"] = True
        known["content"] = args["content"]
        return _Answer(200, f"OK - {args['size']}")


# Request parsing


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                handler.rfile.readline()  # the blank line after the last chunk
                return b"".join(chunks)
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


def _query_args(query: str) -> dict[str, Any]:
    return _decode_json_arguments(dict(urllib.parse.parse_qsl(query, keep_blank_values=True)))


def _body_args(raw: bytes, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    kind = content_type.split(";")[0].strip().lower()
    text = raw.decode("utf-8", errors="replace")
    if kind == "application/json" or (not kind and text.lstrip().startswith("{")):
        loaded = json.loads(text)
        return loaded if isinstance(loaded, dict) else {"body": loaded}
    if kind == "multipart/form-data":
        return _decode_json_arguments(_multipart(raw, content_type))
    fields: dict[str, Any] = dict(urllib.parse.parse_qsl(text, keep_blank_values=True))
    if set(fields) == {"payload"}:
        # Response URLs and interactivity use a single JSON `payload` field when form-encoded.
        try:
            loaded = json.loads(fields["payload"])
        except json.JSONDecodeError:
            return fields
        return loaded if isinstance(loaded, dict) else fields
    return _decode_json_arguments(fields)


def _multipart(raw: bytes, content_type: str) -> dict[str, Any]:
    """Form fields as text; uploaded files as their size (tests assert on arguments, not bytes)."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw
    )
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True) or b""
        if part.get_filename():
            fields[name] = {"filename": part.get_filename(), "size": len(payload)}
        else:
            fields[name] = payload.decode("utf-8", errors="replace")
    return fields


def _decode_json_arguments(fields: dict[str, Any]) -> dict[str, Any]:
    for key in JSON_ARGUMENTS & fields.keys():
        value = fields[key]
        if isinstance(value, str) and value.strip()[:1] in ("{", "["):
            # Unparseable text is left as sent: the method then answers it as Slack answers garbage.
            with contextlib.suppress(json.JSONDecodeError):
                fields[key] = json.loads(value)
    return fields


def _bearer(header: str | None) -> str | None:
    if header and header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def _as_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _flag(value: Any) -> bool:
    """Slack booleans arrive as true/false in JSON and as "1"/"0" or "true"/"false" in forms."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def _decimal(value: Any) -> Decimal | None:
    """A message ts as a number: "1764000000.000100" sorts correctly only as a number."""
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _within(ts: Decimal, oldest: Decimal | None, latest: Decimal | None, *, inclusive: bool) -> bool:
    """conversations.history's window: bounds are exclusive unless `inclusive` is set."""
    if oldest is not None and (ts < oldest or (ts == oldest and not inclusive)):
        return False
    return latest is None or ts < latest or (ts == latest and inclusive)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _describe_view(view: dict[str, Any]) -> str:
    return f"type={view.get('type')!r} callback_id={view.get('callback_id')!r} id={view.get('id')!r}"


# Answers


def _failure_answer(failure: _Failure, *, plain_text: bool) -> _Answer:
    if failure.status == 429:
        retry_after = failure.retry_after if failure.retry_after is not None else 1
        seconds = int(retry_after) if float(retry_after).is_integer() else retry_after
        return _Answer(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(seconds)})
    if failure.status == 200:
        return _Answer(200, {"ok": False, "error": failure.error})
    # Response URLs answer errors as bare text (e.g. "expired_url"); the Web API answers JSON.
    return _Answer(failure.status, failure.error if plain_text else {"ok": False, "error": failure.error})


def _send(handler: BaseHTTPRequestHandler, answer: _Answer) -> None:
    if isinstance(answer.body, str):
        payload, content_type = answer.body.encode(), "text/plain; charset=utf-8"
    else:
        payload, content_type = json.dumps(answer.body).encode(), "application/json; charset=utf-8"
    try:
        handler.send_response(answer.status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(payload)))
        for name, value in answer.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(payload)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the client gave up (a timeout in the app under test); nothing to tell it


# Reading Block Kit


def blocks_text(blocks: list[Any] | dict[str, Any] | None) -> str:
    """All human-readable text in Block Kit blocks, one piece per line, in reading order.

    Accepts a list of blocks, one block, or a message or view (anything with "blocks").
    Text objects (plain_text, mrkdwn) are collected wherever they sit: section text and fields,
    headers, context elements, button labels, menu options, input labels and hints. Rich text
    and prefilled input values are included too; ids, values and metadata are not.
    """
    if blocks is None:
        return ""
    if isinstance(blocks, dict) and isinstance(blocks.get("blocks"), list):
        blocks = blocks["blocks"]
    return "\n".join(_texts(blocks))


def _texts(node: Any) -> Iterator[str]:
    if isinstance(node, list):
        for child in node:
            yield from _texts(child)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if kind in ("plain_text", "mrkdwn") and isinstance(node.get("text"), str):
        yield node["text"]
        return
    if kind in _RICH_TEXT_LEAVES:
        piece = _RICH_TEXT_LEAVES[kind](node)
        if piece:
            yield piece
        return
    for key, value in node.items():
        if key == "initial_value" and isinstance(value, str):
            yield value
        elif key in ("state", "metadata"):
            continue  # what the app stores for itself, never shown to people
        elif isinstance(value, dict | list):
            yield from _texts(value)


_RICH_TEXT_LEAVES: dict[str, Callable[[dict[str, Any]], str]] = {
    "text": lambda leaf: str(leaf.get("text", "")),
    "link": lambda leaf: str(leaf.get("text") or leaf.get("url", "")),
    "user": lambda leaf: f"<@{leaf.get('user_id', '')}>",
    "usergroup": lambda leaf: f"<!subteam^{leaf.get('usergroup_id', '')}>",
    "channel": lambda leaf: f"<#{leaf.get('channel_id', '')}>",
    "emoji": lambda leaf: f":{leaf.get('name', '')}:",
    "broadcast": lambda leaf: f"<!{leaf.get('range', '')}>",
    "date": lambda leaf: str(leaf.get("fallback") or leaf.get("timestamp", "")),
}
