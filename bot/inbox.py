"""Captures received before they are worked: durable first, answered moments later.

A capture is written to the inbox and only then acknowledged; the platform's answer follows
through the outbox once the item is stored. Two reasons:

- Nothing acknowledged is lost. A crash between the acknowledgement and the item leaves the
  request in the inbox, and the next worker (this process after a restart, or another replica)
  works it.
- The acknowledgement stays as fast as a bare one under load. Writes from concurrent requests
  are committed together (group commit: one transaction for everything that arrived while the
  previous one was being written), and reading dates, numbering and planning nudges happen after
  the acknowledgement, in batches, in one transaction each.

The worker and the receiver are independent: the worker takes the oldest waiting rows with
`FOR UPDATE SKIP LOCKED`, stores the items, queues the answers and deletes the rows in one
transaction, so each request is worked exactly once however many replicas drain the inbox.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from bot.clock import Clock
from bot.intake import Mention, Problem, ProblemCode, Understood
from bot.model import ItemKind, Outgoing, Person, Scope
from bot.tracker import Captured, Tracker
from storage.inbox import add_received
from storage.store import Store, Tx

log = logging.getLogger(__name__)

# Captures worked per transaction when no request is arriving: enough to share a commit.
BATCH = 50
# While requests keep arriving, the worker waits for a lull (no arrival for LULL seconds) so as
# not to compete with their acknowledgements for the database and the interpreter; but never
# longer than LONGEST_WAIT, and then it works a SMALL_BATCH, a few milliseconds of work, so the
# answers keep following under sustained load.
LULL = 0.02
LONGEST_WAIT = 2.0
SMALL_BATCH = 5
# A request that failed this many times is answered with an apology (quoting the text) and
# removed, rather than retried forever.
MAX_ATTEMPTS = 3
CAPTURE_ANSWER = "capture_answer"
CAPTURE_FAILED = "capture_failed"
CAPTURE_KINDS = frozenset({CAPTURE_ANSWER, CAPTURE_FAILED})


@dataclass(frozen=True)
class Received:
    """One capture request as the platform sent it, plus where its answer goes."""

    scope: Scope
    key: str  # the platform's id for the request: a retry carries the same one
    kind: ItemKind
    user_id: str
    channel_id: str
    text: str
    mentions: tuple[Mention, ...]
    answer_to: str  # an outbox target, in the adapter's own terms

    def payload(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "user_id": self.user_id,
            "channel_id": self.channel_id,
            "text": self.text,
            "mentions": [asdict(m) for m in self.mentions],
            "answer_to": self.answer_to,
        }

    @classmethod
    def from_payload(cls, scope: Scope, key: str, payload: dict[str, Any]) -> Received:
        return cls(
            scope=scope,
            key=key,
            kind=ItemKind(payload["kind"]),
            user_id=payload["user_id"],
            channel_id=payload["channel_id"],
            text=payload["text"],
            mentions=tuple(Mention(**m) for m in payload["mentions"]),
            answer_to=payload["answer_to"],
        )


class Journal:
    """Writes received requests durably, many concurrent ones per transaction."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._waiting: list[tuple[Received, asyncio.Future[bool]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._last_arrival = 0.0
        # A thread of its own: acknowledgements must not queue behind background work waiting
        # for the shared pool's threads.
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="journal")

    async def lull(self) -> bool:
        """Wait until no request has arrived for LULL seconds, or LONGEST_WAIT passed; True if quiet.

        Real time, not the clock's: this paces work on this machine, whatever the simulated date.
        """
        started = time.monotonic()
        while True:
            now = time.monotonic()
            quiet_for = now - self._last_arrival
            if quiet_for >= LULL and not self._waiting:
                return True
            if now - started >= LONGEST_WAIT:
                return False
            await asyncio.sleep(max(LULL - quiet_for, 0.001))

    async def write(self, received: Received) -> bool:
        """Return once `received` is committed: True if new, False if it was received before."""
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._last_arrival = time.monotonic()
        self._waiting.append((received, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())
        return await done

    async def _write_all(self) -> None:
        # Whatever queued up while one batch was being committed goes in the next.
        while self._waiting:
            batch, self._waiting = self._waiting, []
            now = self.clock.now()
            rows = [(r.scope, r.key, r.payload(), now) for r, _ in batch]
            try:
                added = await asyncio.get_running_loop().run_in_executor(
                    self._thread, add_received, self.store.engine, rows
                )
            except Exception as error:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(error)
                continue
            for received, done in batch:
                if not done.done():
                    done.set_result((received.scope.enterprise_id, received.scope.team_id, received.key) in added)


@dataclass(frozen=True)
class Worked:
    """What the worker did with one request, for the adapter's follow-ups (refreshing views)."""

    scope: Scope
    owner_id: str | None


# The authors' profiles, by user id, for users of one workspace.
PersonSource = Callable[[Scope, list[str]], Awaitable[dict[str, Person]]]


class InboxWorker:
    """Works waiting captures: stores each item (or draft) and queues its answer."""

    def __init__(
        self, store: Store, tracker: Tracker, clock: Clock, people: PersonSource, journal: Journal | None = None
    ) -> None:
        self.store = store
        self.journal = journal  # whose arrivals the worker gives way to
        self.tracker = tracker
        self.clock = clock
        self.people = people
        self._draining: asyncio.Task[list[Worked]] | None = None
        self._again = False
        self._stopping = False

    def stop(self) -> None:
        """Claim no more batches (shutdown): what is left waits in the inbox for the next worker."""
        self._stopping = True

    @property
    def busy(self) -> bool:
        return self._draining is not None and not self._draining.done()

    def again(self) -> None:
        """Ask the pass under way for one more round (a request arrived during it)."""
        self._again = True

    async def drain(self) -> list[Worked]:
        """Work everything waiting; what this call worked. During a pass, a call only asks it for
        one more round and returns nothing: the pass's own caller follows up on what it works."""
        if self.busy:
            self.again()
            return []
        self._draining = asyncio.create_task(self._drain())
        return await asyncio.shield(self._draining)

    async def _drain(self) -> list[Worked]:
        worked: list[Worked] = []
        while not self._stopping:
            self._again = False
            quiet = await self.journal.lull() if self.journal is not None else True
            batch = await self._work_batch(BATCH if quiet else SMALL_BATCH)
            worked.extend(batch)
            if not batch and not self._again:
                break
        return worked

    async def _work_batch(self, limit: int) -> list[Worked]:
        waiting = await asyncio.to_thread(self._peek, limit)
        if not waiting:
            return []
        # Profiles may need the platform (a first-time author): look them up before the
        # transaction, so no database lock is held across a network call.
        by_scope: dict[Scope, list[str]] = {}
        for scope, user_id in dict.fromkeys(waiting):
            by_scope.setdefault(scope, []).append(user_id)
        found = await asyncio.gather(*(self.people(scope, user_ids) for scope, user_ids in by_scope.items()))
        authors = {
            (scope, user_id): person
            for scope, people in zip(by_scope, found, strict=True)
            for user_id, person in people.items()
        }
        return await asyncio.to_thread(self._store_batch, authors, limit)

    def _peek(self, limit: int) -> list[tuple[Scope, str]]:
        with self.store.transaction() as tx:
            # .get: a malformed request must reach _store, to be counted and answered there.
            return [(waiting.scope, str(waiting.payload.get("user_id", ""))) for waiting in tx.inbox.take(limit)]

    def _store_batch(self, authors: dict[tuple[Scope, str], Person], limit: int) -> list[Worked]:
        try:
            with self.store.transaction() as tx:
                return self._store(tx, authors, limit)
        except Exception:
            log.exception("a batch of captures failed; working them one by one")
        worked: list[Worked] = []
        for _ in range(limit):
            try:
                with self.store.transaction() as tx:
                    one = self._store(tx, authors, 1)
            except Exception as error:
                self._count_failure(str(error))
                continue
            if not one:
                break
            worked.extend(one)
        return worked

    def _store(self, tx: Tx, authors: dict[tuple[Scope, str], Person], limit: int) -> list[Worked]:
        taken = tx.inbox.take(limit)
        worked: list[Worked] = []
        now = self.clock.now()
        for waiting in taken:
            received = Received.from_payload(waiting.scope, waiting.key, waiting.payload)
            author = authors.get((received.scope, received.user_id)) or Person(received.user_id)
            workspace_id, result = self.tracker.capture_in(
                tx,
                received.scope,
                author=author,
                channel_id=received.channel_id,
                text=received.text,
                mentions=list(received.mentions),
                source_key=received.key,
                kind=received.kind,
                now=now,
            )
            tx.outbox.put(workspace_id, answer(received, result, now))
            owner = result.item.owner_id if isinstance(result, Captured) and not result.duplicate else None
            worked.append(Worked(received.scope, owner))
        tx.inbox.remove([waiting.row_id for waiting in taken])
        return worked

    def _count_failure(self, error: str) -> None:
        """The oldest waiting request failed on its own: count it, and answer it once hopeless."""
        with self.store.transaction() as tx:
            taken = tx.inbox.take(1)
            if not taken:
                return
            waiting = taken[0]
            if tx.inbox.failed(waiting.row_id, error) < MAX_ATTEMPTS:
                return
            log.error("gave up on a capture after %s attempts: %s", MAX_ATTEMPTS, error)
            # The payload itself may be what fails (written by another release): read it loosely.
            payload, now = waiting.payload, self.clock.now()
            if payload.get("answer_to"):
                tx.outbox.put(
                    tx.workspaces.ensure(waiting.scope, now),
                    Outgoing(
                        key=f"{CAPTURE_FAILED}:{waiting.key}",
                        kind=CAPTURE_FAILED,
                        target=str(payload["answer_to"]),
                        data={"text": str(payload.get("text", ""))},
                        due_at=now,
                    ),
                )
            tx.inbox.remove([waiting.row_id])


def answer(received: Received, result: Any, now: datetime) -> Outgoing:
    """The outbox row that answers a capture: the stored item's card, or what is missing."""
    if isinstance(result, Captured):
        data: dict[str, Any] = {"item": str(result.item.ref), "duplicate": result.duplicate, "author": received.user_id}
    else:
        data = {"draft": result.draft_id, "understood": understood_data(result.understood), "author": received.user_id}
    data["kind"] = received.kind.value
    return Outgoing(
        key=f"{CAPTURE_ANSWER}:{received.key}",
        kind=CAPTURE_ANSWER,
        target=received.answer_to,
        data=data,
        due_at=now,
    )


def understood_data(understood: Understood) -> dict[str, Any]:
    return {
        "title": understood.title,
        "owner_id": understood.owner_id,
        "due_on": understood.due_on.isoformat() if understood.due_on else None,
        "due_phrase": understood.due_phrase,
        "tag": understood.tag,
        "problems": [[p.code.value, p.detail] for p in understood.problems],
    }


def understood_from(data: dict[str, Any]) -> Understood:
    return Understood(
        title=data["title"],
        owner_id=data["owner_id"],
        due_on=date.fromisoformat(data["due_on"]) if data["due_on"] else None,
        due_phrase=data["due_phrase"],
        tag=data["tag"],
        problems=tuple(Problem(ProblemCode(code), detail) for code, detail in data["problems"]),
    )
