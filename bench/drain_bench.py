"""Delivery under Slack's rate limits: thousands of nudges due at once, drained by a real `tanto run`.

    .venv/bin/python bench/drain_bench.py [--shapes a,b,c] [--items 10000] [--escalations 1000]
        [--workspace-rate 10] [--channel-rate 1] [--timeout 3600]
        [--database-url postgresql://postgres@127.0.0.1:5432/tanto_drain --processes 2]

Three shapes, each on a fresh database:
  a  --items owners with one overdue item each: one nudge DM per owner, as many DM channels
     (stresses the workspace-wide limit);
  b  --items items for a tenth as many owners: one DM per owner, ten items merged in each;
  c  --escalations items far overdue in 20 account channels, ten per owner: one escalation per
     item in its channel (stresses per-channel pacing) plus one DM per owner.

Items are created through the real tracker (`Tracker.complete`, as /action's form does) with a
clock set days back; each owner's working time (every day, around the clock) is written straight
through the nudge repository, so every step is due the moment `tanto run` starts. The bot runs as
a child process on the real clock against the Slack stand-in, which enforces chat.postMessage's
limits the way Slack does (HTTP 429 with Retry-After): --channel-rate per conversation and
--workspace-rate across the workspace. Every figure comes from the stand-in's record of calls
and the outbox table; lag is counted from the bot's start, when every message was already due.
A PostgreSQL URL's `public` schema is DROPPED first; the database `test` is refused.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, func, select

from bot.clock import ManualClock
from bot.model import Person, Scope
from bot.tracker import Captured, Tracker
from bot.working_time import WorkPrefs
from handlers.slack.standin.server import Call, SlackStandIn
from storage.db import normalise_url
from storage.store import Store
from storage.tables import OutboxRow

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests/ is not installed; BotProcess lives there

from tests.bot_process import BotProcess  # noqa: E402

SCOPE = Scope("slack", "T0001")
TOKEN = "xoxb-drain-bench"
SIGNING_SECRET = "drain-bench-secret"
POST = "chat.postMessage"
METADATA_EVENT = "tanto_outbox"
ACCOUNT_CHANNELS = 20
ITEMS_PER_OWNER = 10
ALWAYS_AT_WORK = WorkPrefs(days=frozenset(range(7)), starts=clock_time(0), ends=clock_time(23, 59))
RATE_WINDOW = 10.0  # seconds: the accepted rate is the median over windows this long
POLL_SECONDS = 0.5
HEALTH_TIMEOUT = 2.0


OutboxLine = tuple[str, datetime, datetime | None, datetime | None, str | None]


@dataclass(frozen=True)
class Shape:
    name: str
    items: int
    owners: int
    overdue_days: int  # 1: the first step after the due day; 10: past the escalation (5 business days)
    escalations: bool

    @property
    def label(self) -> str:
        what = f"{self.owners:,} owners × {self.items // self.owners} items"
        return f"{self.name}: {what}" + (f", escalations in {ACCOUNT_CHANNELS} channels" if self.escalations else "")


@dataclass
class Seeded:
    expected: set[str]  # outbox keys (without the workspace prefix) that must arrive once each
    seconds: float


@dataclass
class Drain:
    shape: Shape
    seeded: Seeded
    started: float  # time.monotonic() just before the bot(s) were launched: everything was due then
    finished: float
    calls: list[Call]
    outbox: list[OutboxLine]
    wall_offset: float  # time.time() - time.monotonic() in this process
    channel_interval: float
    unhealthy: int  # polls during the drain that /healthz did not answer 200 within HEALTH_TIMEOUT


# Seeding


def prepare_database(url: str | None, folder: Path, name: str) -> str:
    if url is None:
        return f"sqlite:///{folder / f'drain-{name}.db'}"
    url = normalise_url(url)
    if make_url(url).database == "test":
        raise SystemExit("drain_bench: refusing the database `test` (CI drops it); create tanto_drain instead")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def seed(shape: Shape, database_url: str, standin: SlackStandIn) -> Seeded:
    """Open items whose nudge step (and, for escalations, whose escalation) is due right now."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    today = now.date()
    clock = ManualClock(now - timedelta(days=shape.overdue_days + 5))
    store = Store.open(database_url)
    try:
        owners = [f"U{number:06d}" for number in range(shape.owners)]
        for owner in owners:
            standin.add_user(owner, name=f"owner{owner}", tz="UTC")
        with store.transaction() as tx:  # straight through the repository: 10,000 set_prefs would re-plan nothing
            workspace_id = tx.workspaces.ensure(SCOPE, clock.now())
            for owner in owners:
                tx.nudges.save_prefs(workspace_id, owner, ALWAYS_AT_WORK)
        tracker = Tracker(store, clock)
        author = Person("U0AUTHOR", tz="UTC", locale="en-US")
        due_on = today - timedelta(days=shape.overdue_days)
        expected = {f"nudge:{owner}:{today.isoformat()}" for owner in owners}
        # Owners take turns; channels are drawn at random, so an owner's items (planned together,
        # queued one after another) are spread over the account channels as in real plans.
        channels = random.Random(2026)
        for number in range(shape.items):
            captured = tracker.complete(
                SCOPE, author=author, channel_id=f"C0ACCT{channels.randrange(ACCOUNT_CHANNELS):02d}",
                title=f"Send the renewal proposal {number}", owner_id=owners[number % shape.owners],
                due_on=due_on, tag=None, source_key=f"drain:{number}",
            )  # fmt: skip
            assert isinstance(captured, Captured) and not captured.duplicate, captured
            if shape.escalations:
                expected.add(f"escalation:{captured.item.ref}:{due_on.isoformat()}")
    finally:
        store.close()
    return Seeded(expected, time.perf_counter() - started)


# Running


class Watcher:
    """Reads the outbox beside the bot. A plain engine: its reads take no write lock (SQLite's WAL
    lets them run beside the writer), so watching does not slow the drain it measures."""

    def __init__(self, database_url: str) -> None:
        self.engine = create_engine(normalise_url(database_url))

    def settled(self, expected: int) -> bool:
        """Every expected row queued, and none left that could still post."""
        with Session(self.engine) as session:
            queued = session.exec(select(func.count()).select_from(OutboxRow)).one()
            waiting = session.exec(
                select(func.count()).where(col(OutboxRow.sent_at).is_(None), col(OutboxRow.gave_up_at).is_(None))
            ).one()
        return queued >= expected and waiting == 0

    def rows(self) -> list[OutboxLine]:
        """(key, first due, sent, given up, worker) of every row."""
        columns = (OutboxRow.key, OutboxRow.first_due_at, OutboxRow.sent_at, OutboxRow.gave_up_at, OutboxRow.claimed_by)
        with Session(self.engine) as session:
            rows = session.exec(select(*columns)).all()
        return [(key.partition("/")[2], due, sent, gave_up, worker) for key, due, sent, gave_up, worker in rows]

    def close(self) -> None:
        self.engine.dispose()


def healthy(client: httpx.Client, bots: list[BotProcess]) -> bool:
    try:
        return all(client.get(bot.url + "/healthz").status_code == 200 for bot in bots)
    except httpx.TransportError:
        return False


def drain(
    shape: Shape, database_url: str, folder: Path, *, processes: int, channel_rate: float, workspace_rate: float,
    timeout: float,
) -> Drain:  # fmt: skip
    with SlackStandIn(token=TOKEN) as standin:
        seeded = seed(shape, database_url, standin)
        standin.limit_rate(POST, channel_rate, retry_after=1, workspace_per_second=workspace_rate)
        bots = [
            BotProcess(
                database_url=database_url, api_url=standin.api_url, signing_secret=SIGNING_SECRET, bot_token=TOKEN,
                log_path=folder / f"bot-{shape.name}-{number}.log", env={"TZ": "UTC"}, start_timeout=timeout,
            )
            for number in range(processes)
        ]  # fmt: skip
        watcher = Watcher(database_url)
        wall_offset = time.time() - time.monotonic()
        started = time.monotonic()
        unhealthy = 0
        try:
            for bot in bots:
                bot.start()
            deadline = started + timeout
            with httpx.Client(timeout=HEALTH_TIMEOUT) as client:
                while not watcher.settled(len(seeded.expected)):
                    if time.monotonic() > deadline:
                        print(f"  {shape.name}: not drained after {timeout:.0f} s; figures show what arrived")
                        break
                    if not all(bot.running for bot in bots):
                        raise SystemExit(f"drain_bench: a bot exited early:\n{bots[0].log_text()[-3000:]}")
                    unhealthy += not healthy(client, bots)
                    time.sleep(POLL_SECONDS)
            finished = time.monotonic()
            for bot in bots:
                bot.stop()
        finally:
            for bot in bots:
                bot.kill()
        rows = watcher.rows()
        watcher.close()
        return Drain(shape, seeded, started, finished, standin.calls, rows, wall_offset, 1 / channel_rate, unhealthy)


# Measuring


def conversation(args: dict[str, Any]) -> str:
    """A DM addressed by user id is the same conversation as its D… id (as Slack and the stand-in see it)."""
    channel = str(args.get("channel") or "")
    return "D" + channel if channel[:1] in "UW" else channel


def outbox_key(args: dict[str, Any]) -> tuple[str, int] | None:
    metadata = args.get("metadata")
    if not isinstance(metadata, dict) or metadata.get("event_type") != METADATA_EVENT:
        return None
    payload = metadata.get("event_payload") or {}
    return str(payload.get("key")), int(payload.get("page", 0))


def most_in_one_second(times: list[float]) -> int:
    """The largest number of these (sorted) moments inside any one-second window."""
    return max((bisect_left(times, at + 1.0) - index for index, at in enumerate(times)), default=0)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive UTC; PostgreSQL aware instants."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


def measure(result: Drain) -> dict[str, Any]:
    posts = [call for call in result.calls if call.method == POST]
    accepted = [call for call in posts if not call.failed]
    refused = [call for call in posts if call.failed]
    # Which limit refused a call: the conversation's, when its last accepted post was under an
    # interval before; otherwise the workspace's.
    accepted_by_channel: dict[str, list[float]] = defaultdict(list)
    attempts_by_channel: dict[str, list[float]] = defaultdict(list)
    for call in posts:
        attempts_by_channel[conversation(call.args)].append(call.at)
        if not call.failed:
            accepted_by_channel[conversation(call.args)].append(call.at)
    channel_refusals = 0
    for call in refused:
        times = accepted_by_channel[conversation(call.args)]
        before = bisect_left(times, call.at) - 1
        if before >= 0 and call.at - times[before] < result.channel_interval:
            channel_refusals += 1
    keys = Counter(key for call in accepted if (key := outbox_key(call.args)) is not None)
    first_pages = {key for key, page in keys if page == 0}
    duplicates = sum(count - 1 for count in keys.values())
    lost = result.seeded.expected - first_pages
    unexpected = first_pages - result.seeded.expected
    moments = sorted(call.at for call in accepted)
    lags = [at - result.started for at in moments]
    windows = []
    if moments:
        start = moments[0]
        full = int((moments[-1] - start) // RATE_WINDOW)
        counts = Counter(int((at - start) // RATE_WINDOW) for at in moments)
        windows = [counts.get(number, 0) / RATE_WINDOW for number in range(full)]
    queued = [as_utc(due).timestamp() - result.wall_offset for _, due, _, _, _ in result.outbox]
    workers = Counter((worker or "").rpartition(":")[2] for _, _, sent, _, worker in result.outbox if sent)
    return {
        "messages": len(result.seeded.expected),
        "seeded": result.seeded.seconds,
        "planned": (max(queued) - result.started) if queued else float("nan"),
        "first": lags[0] if lags else float("nan"),
        "drain": lags[-1] if lags else float("nan"),
        "rate": statistics.median(windows) if windows else (len(moments) / lags[-1] if lags else 0.0),
        "lag50": percentile(lags, 0.5),
        "lag99": percentile(lags, 0.99),
        "lagmax": max(lags, default=float("nan")),
        "accepted": len(accepted),
        "refused": len(refused),
        "channel_refusals": channel_refusals,
        "accepted_per_channel_s": max((most_in_one_second(t) for t in accepted_by_channel.values()), default=0),
        "attempts_per_channel_s": max((most_in_one_second(t) for t in attempts_by_channel.values()), default=0),
        "channels": len(accepted_by_channel),
        "duplicates": duplicates,
        "lost": len(lost),
        "unexpected": len(unexpected),
        "given_up": sum(1 for _, _, _, gave_up, _ in result.outbox if gave_up is not None),
        "history_checks": sum(1 for call in result.calls if call.method == "conversations.history"),
        "workers": dict(workers),
        "unhealthy": result.unhealthy,
    }


# Reporting

ROWS: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
    ("messages expected", lambda f: f"{f['messages']:,}"),
    ("conversations", lambda f: f"{f['channels']:,}"),
    ("seeding (s)", lambda f: f"{f['seeded']:.0f}"),
    ("all queued by (s)", lambda f: f"{f['planned']:.1f}"),
    ("first accepted (s)", lambda f: f"{f['first']:.1f}"),
    ("drained in (s)", lambda f: f"{f['drain']:.1f}"),
    ("accepted/s (median 10 s)", lambda f: f"{f['rate']:.1f}"),
    ("lag p50 / p99 / max (s)", lambda f: f"{f['lag50']:.0f} / {f['lag99']:.0f} / {f['lagmax']:.0f}"),
    ("posts accepted", lambda f: f"{f['accepted']:,}"),
    ("429s (per channel)", lambda f: f"{f['refused']:,} ({f['channel_refusals']:,})"),
    ("max per channel in 1 s", lambda f: f"{f['accepted_per_channel_s']} ({f['attempts_per_channel_s']} tried)"),
    ("duplicates", lambda f: str(f["duplicates"])),
    ("lost / given up", lambda f: f"{f['lost']} / {f['given_up']}"),
    ("sent per process", lambda f: " ".join(str(n) for n in f["workers"].values())),
    ("/healthz failed polls", lambda f: str(f["unhealthy"])),
]


def report(figures: list[tuple[Shape, dict[str, Any]]]) -> None:
    width = max(len(name) for name, _ in ROWS)
    header = "".join(f"{shape.name:>16}" for shape, _ in figures)
    print(f"\n{'':<{width}}{header}")
    for name, show in ROWS:
        print(f"{name:<{width}}" + "".join(f"{show(found):>16}" for _, found in figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--shapes", default="a,b,c", help="which shapes to run, e.g. a,c")
    parser.add_argument("--items", type=int, default=10_000, help="items (and so nudges) in shapes a and b")
    parser.add_argument("--escalations", type=int, default=1_000, help="far-overdue items in shape c")
    parser.add_argument("--channel-rate", type=float, default=1.0, help="posts per second per conversation")
    parser.add_argument("--workspace-rate", type=float, default=10.0, help="posts per second in the workspace")
    parser.add_argument("--processes", type=int, default=1, help="`tanto run` processes (more need PostgreSQL)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds to wait for each drain")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (its public schema is dropped)")
    args = parser.parse_args()
    if args.processes > 1 and args.database_url is None:
        parser.error("several processes share one database only on PostgreSQL: give --database-url")
    shapes = {
        "a": Shape("a", args.items, args.items, overdue_days=1, escalations=False),
        "b": Shape("b", args.items, max(1, args.items // ITEMS_PER_OWNER), overdue_days=1, escalations=False),
        "c": Shape("c", args.escalations, max(1, args.escalations // ITEMS_PER_OWNER), overdue_days=10,
                   escalations=True),
    }  # fmt: skip
    engine = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"{engine}, {args.processes} × tanto run; stand-in limits chat.postMessage to {args.channel_rate:g}/s per "
        f"conversation and {args.workspace_rate:g}/s per workspace (HTTP 429, Retry-After: 1)"
    )
    figures = []
    with tempfile.TemporaryDirectory() as folder:
        for name in args.shapes.split(","):
            shape = shapes[name.strip()]
            url = prepare_database(args.database_url, Path(folder), shape.name)
            print(f"{shape.label} …", flush=True)
            result = drain(
                shape, url, Path(folder), processes=args.processes, channel_rate=args.channel_rate,
                workspace_rate=args.workspace_rate, timeout=args.timeout,
            )  # fmt: skip
            found = measure(result)
            figures.append((shape, found))
            print(f"  drained {found['accepted']:,} posts in {found['drain']:.0f} s, {found['duplicates']} duplicates, "
                  f"{found['lost']} lost", flush=True)  # fmt: skip
    report(figures)
    if any(found["duplicates"] or found["lost"] or found["unexpected"] for _, found in figures):
        raise SystemExit("drain_bench: duplicates or losses (see above)")


if __name__ == "__main__":
    main()
