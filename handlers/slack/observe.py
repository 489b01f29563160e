"""Watching every Slack request: an id and a context for its log lines, its latency by kind.

Slack gives a request no id of its own (the timestamp and signature identify a delivery, not a
request), so `dispatch` makes one before Bolt sees the request, and logs the answer and times
it afterwards. The Bolt global middleware adds what Bolt has worked out by then (workspace, user,
kind of request); it runs only for requests whose signature Bolt verified, so a forged request
cannot invent metric labels. Slack's retry headers are logged beside the id, so a redelivery can
be told from the original.

Bolt's async global middleware runs before the listener and does not wrap it (`next()` only
marks the request as passed on), hence the timing in `dispatch`; the log context the middleware
sets lasts for the rest of the request's task, and tasks started from it copy it.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot import logs
from bot.metrics import Metrics

log = logging.getLogger(__name__)

Next = Callable[[], Awaitable[None]]
# Where the middleware leaves the kind of request, and `dispatch` the request id, in Bolt's context.
KIND = "tanto_request_kind"
REQUEST_ID = "tanto_request_id"
# Requests Bolt turned away (bad signature, too old) before the middleware saw them.
UNVERIFIED = "unverified"
# An item reference as buttons and forms carry it (`A-12`, `D-3`), standing on its own.
ITEM_REF = re.compile(r"(?<![\w-])[AD]-\d{1,9}(?![\w-])")
# Ids are the app's own constants; the cap keeps a surprise from becoming a huge label.
LONGEST_ID = 64


async def dispatch(bolt: AsyncApp, request: AsyncBoltRequest, metrics: Metrics) -> BoltResponse:
    """Hand a request to Bolt under a fresh request id; then log the answer and time it by kind."""
    started = time.perf_counter()
    logs.begin(**_delivery(request))
    response = await bolt.async_dispatch(request)
    seconds = time.perf_counter() - started
    kind = str(request.context.get(KIND) or UNVERIFIED)
    metrics.request_seconds.labels(kind).observe(seconds)
    log.info(
        "answered %s with %d", kind, response.status, extra={"status": response.status, "ms": round(seconds * 1000, 1)}
    )
    return response


def middleware() -> Callable[[AsyncBoltRequest, Next], Awaitable[None]]:
    async def observe(req: AsyncBoltRequest, next_: Next) -> None:
        body = req.body or {}
        req.context[KIND] = kind = request_kind(body)
        logs.begin(
            **_delivery(req),
            kind=kind,
            team_id=req.context.team_id,
            enterprise_id=req.context.enterprise_id,
            user_id=req.context.user_id,
            item=item_named(body),
        )
        await next_()

    return observe


def _delivery(request: AsyncBoltRequest) -> dict[str, str | None]:
    """The request id (made on first sight) and Slack's retry headers."""
    request_id = request.context.get(REQUEST_ID)
    if not request_id:
        # Only to tell log lines apart: no need for the operating system's randomness (a system
        # call on every request, measurable under load).
        request.context[REQUEST_ID] = request_id = f"{random.getrandbits(64):016x}"
    return {
        "request_id": request_id,
        "slack_retry_num": _header(request, "x-slack-retry-num"),
        "slack_retry_reason": _header(request, "x-slack-retry-reason"),
    }


def request_kind(body: dict[str, Any]) -> str:
    """What the request is, in a few words fit for a metric label: `command:/action`, `action:item_done`."""
    if command := body.get("command"):
        return _label("command", command)
    match body.get("type"):
        case "block_actions":
            actions = body.get("actions") or [{}]
            return _label("action", actions[0].get("action_id"))
        case "view_submission":
            return _label("view", (body.get("view") or {}).get("callback_id"))
        case "view_closed":
            return _label("view_closed", (body.get("view") or {}).get("callback_id"))
        case "shortcut" | "message_action":
            return _label("shortcut", body.get("callback_id"))
        case "block_suggestion":
            return _label("options", body.get("action_id"))
        case "event_callback":
            return _label("event", (body.get("event") or {}).get("type"))
        case other:
            return _label("other", other)


def item_named(body: dict[str, Any]) -> str | None:
    """The item a button, form or command names (`done A-12`), when it names one."""
    if body.get("command"):
        words = str(body.get("text") or "").split()
        return words[1] if len(words) > 1 and ITEM_REF.fullmatch(words[1]) else None
    if body.get("type") == "block_actions":
        action = (body.get("actions") or [{}])[0]
        value = action.get("value") or (action.get("selected_option") or {}).get("value") or ""
        return _first_ref(str(value))
    if body.get("type") in ("view_submission", "view_closed"):
        try:
            metadata = json.loads((body.get("view") or {}).get("private_metadata") or "{}")
        except json.JSONDecodeError:
            return None
        if isinstance(metadata, dict):
            return _first_ref(" ".join(str(metadata.get(key) or "") for key in ("item", "ref")))
    return None


def _first_ref(text: str) -> str | None:
    found = ITEM_REF.search(text)
    return found.group(0) if found else None


def _label(kind: str, name: object) -> str:
    return f"{kind}:{str(name or '')[:LONGEST_ID]}" if name else kind


def _header(req: AsyncBoltRequest, name: str) -> str | None:
    values = req.headers.get(name) or []
    return values[0] if values else None
