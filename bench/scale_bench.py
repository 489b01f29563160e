"""Storage at scale: the nudge sweep, a 5,000-item agenda and the bot's memory on a million items.

    .venv/bin/python bench/scale_bench.py [--items 1000000] [--channels 1000] [--owners 2000]
        [--repeats 15] [--postgres-url postgresql://postgres@127.0.0.1:5432/tanto_scale] [--no-bot]

Seeds SQLite (in a temporary folder) and, when a URL is given, PostgreSQL (its `public` schema is
DROPPED first) with a workspace of `--items` action items over `--channels` channels: about 70%
closed history, the open ones spread over owners and due dates, 2% of all items due for a nudge
now, and one channel (`C000000`) with 5,000 open items and a session. Seeding writes straight into
the tables the real migrations create (executemany on SQLite, COPY on PostgreSQL); everything
measured afterwards is the application's own code:

- the nudge sweep: `NudgeRepository.due`, the query the planner runs on every tick;
- the agenda of the big channel: `Sessions.agenda` (its queries and `compose`), and separately
  its Block Kit rendering (`agenda_messages`), which splits it over many messages;
- `/action list` queries: open items of one owner, of one channel, of one account tag, and
  everything overdue;
- the memory of a real `tanto run` on that database, after its planner has worked through the
  due nudges and it has answered signed `/action list` and `/session preview` requests.

Prints medians over `--repeats` runs (shared machines are noisy) in a table with the targets.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, func, select, text, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.clock import ManualClock  # noqa: E402
from bot.model import ItemKind, Person, Scope  # noqa: E402
from bot.nudges import BATCH  # noqa: E402
from bot.sessions import Sessions  # noqa: E402
from handlers.slack.agenda_blocks import agenda_messages  # noqa: E402
from handlers.slack.session_blocks import agenda_title  # noqa: E402
from storage.db import make_engine, normalise_url  # noqa: E402
from storage.items import ItemFilter  # noqa: E402
from storage.store import Store  # noqa: E402
from storage.tables import ActionItemRow, OutboxRow, WorkspaceRow  # noqa: E402

SCOPE = Scope("slack", "T0001")
SECRET = "scale-bench-signing-secret"
TOKEN = "xoxb-scale-bench"
BIG_CHANNEL = "C000000"
ZONES = ("Europe/Amsterdam", "Asia/Tokyo", "America/New_York", "Europe/London", "UTC")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
TARGETS = {"sweep": 50.0, "agenda": 200.0, "VmRSS": 200.0, "VmHWM": 200.0}  # ms, ms, MB, MB


@dataclass(frozen=True)
class Shape:
    items: int
    channels: int
    owners: int
    big_open: int = 5_000
    big_closed: int = 10_000
    closed_share: float = 0.70
    due_share: float = 0.02  # of all items: open, and their next nudge moment has come
    team_size: int = 20  # owners per channel; the big channel has more

    @property
    def outbox_history(self) -> int:
        """Sent messages from the past (nudge DMs, mostly): the outbox is never pruned."""
        return self.items // 5


# Seeding: straight into the migrated tables, as fast as each database takes rows


class Loader:
    """Rows in bulk: executemany in one transaction on SQLite, COPY on PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"

    def stamp(self, value: datetime | None) -> Any:
        # SQLite keeps naive UTC text in SQLAlchemy's format (storage.types.UTCDateTime): the
        # repositories compare against the same text, so it has to match to the character.
        if value is None or not self.sqlite:
            return value
        return f"{value.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f}"

    def day(self, value: date) -> Any:
        return value.isoformat() if self.sqlite else value

    def load(self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
        names = ", ".join(columns)
        count = 0
        raw = self.engine.raw_connection()
        try:
            if self.sqlite:
                cursor = raw.cursor()
                cursor.execute("PRAGMA synchronous=OFF")  # seeding only: a crash just means seeding again
                cursor.execute("BEGIN")
                insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
                for chunk in itertools.batched(rows, 20_000):
                    cursor.executemany(insert, chunk)
                    count += len(chunk)
                cursor.execute("COMMIT")
                cursor.execute("PRAGMA synchronous=NORMAL")
            else:
                connection = raw.driver_connection
                assert connection is not None
                # Commit after the COPY block: the copy holds the connection's lock until it ends.
                with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
                connection.commit()
        finally:
            raw.close()
        return count


ITEM_COLUMNS = (
    "id", "workspace_id", "kind", "number", "title", "owner_id", "creator_id", "channel_id", "due_on", "tag",
    "status", "reschedule_count", "source_key", "created_at", "updated_at", "closed_at", "closed_by",
    "nudged_until", "nudge_at", "nudges_off",
)  # fmt: skip
CHANGE_COLUMNS = ("workspace_id", "item_id", "kind", "actor_id", "at", "new_value")
OUTBOX_COLUMNS = (
    "workspace_id", "key", "kind", "target", "data", "due_at", "first_due_at", "attempts", "sent_at", "message_id",
)  # fmt: skip
PERSON_COLUMNS = ("workspace_id", "user_id", "display_name", "tz", "locale", "is_admin", "refreshed_at")
_VERBS = ("Send", "Review", "Follow up on", "Draft", "Confirm", "Schedule", "Update", "Prepare")
_THINGS = ("the proposal", "pricing", "the security questionnaire", "the renewal", "the SOW", "a demo", "the QBR")


def owner_id(number: int) -> str:
    return f"U{number:06d}"


def channel_id(number: int) -> str:
    return f"C{number:06d}"


def channel_team(shape: Shape, channel: int) -> list[str]:
    """The owners working in a channel: an account team, not the whole company."""
    size = shape.team_size * (3 if channel == 0 else 1)
    first = channel * shape.team_size
    return [owner_id((first + k) % shape.owners) for k in range(size)]


def item_rows(shape: Shape, workspace_id: int, now: datetime, loader: Loader) -> Iterator[tuple[Any, ...]]:
    """Every item as a row: the big channel's first, then the rest spread over the other channels."""
    rng = random.Random(20261123)
    today = now.date()
    stamp, day = loader.stamp, loader.day
    rest = shape.items - shape.big_open - shape.big_closed
    closed_rest = max(0.0, (shape.closed_share * shape.items - shape.big_closed) / max(rest, 1))
    due_rest = shape.due_share * shape.items / max(rest * (1 - closed_rest), 1)
    numbers = {ItemKind.ACTION: itertools.count(1), ItemKind.DECISION: itertools.count(1)}
    teams = {c: channel_team(shape, c) for c in range(shape.channels)}
    for index in range(shape.items):
        if index < shape.big_open + shape.big_closed:
            channel, closed = 0, index >= shape.big_open
            tag = f"acct{index % 6:03d}"
        else:
            channel = rng.randrange(1, shape.channels)
            closed = rng.random() < closed_rest
            tag = f"acct{channel:03d}" if rng.random() < 0.85 else None
        kind = ItemKind.DECISION if rng.random() < 0.08 else ItemKind.ACTION
        team = teams[channel]
        owner = team[rng.randrange(len(team))]
        creator = team[rng.randrange(len(team))]
        if closed:
            closed_at = now - timedelta(days=rng.uniform(0, 730))
            if channel == 0 and index < shape.big_open + 40:
                closed_at = now - timedelta(days=rng.uniform(0, 6))  # done since the last session
            created_at = closed_at - timedelta(days=rng.uniform(1, 60))
            due_on = (created_at + timedelta(days=rng.randrange(3, 45))).date()
            status = "decided" if kind is ItemKind.DECISION else ("cancelled" if rng.random() < 0.08 else "done")
            nudged_until, nudge_at, closed_by, nudges_off = None, None, owner, False
        else:
            created_at = now - timedelta(days=rng.uniform(1, 120))
            due_on = today + timedelta(days=rng.randrange(-45, 120))
            status, closed_at, closed_by = "open", None, None
            nudged_until = now - timedelta(hours=rng.uniform(1, 72))
            nudges_off = rng.random() < 0.02
            if nudges_off:
                nudge_at = None
            elif channel != 0 and rng.random() < due_rest:
                nudge_at = now - timedelta(seconds=rng.uniform(0, 600))
            else:
                nudge_at = now + timedelta(minutes=rng.uniform(1, 30 * 24 * 60))
        moved = rng.choice((0, 0, 0, 0, 0, 0, 1, 1, 2, 3))
        title = f"{rng.choice(_VERBS)} {rng.choice(_THINGS)} for {tag or 'the account'} (step {index % 97})"
        yield (
            index + 1, workspace_id, kind.value, next(numbers[kind]), title, owner, creator, channel_id(channel),
            day(due_on), tag, status, moved, f"seed:{index}", stamp(created_at), stamp(closed_at or created_at),
            stamp(closed_at), closed_by, stamp(nudged_until), stamp(nudge_at), nudges_off,
        )  # fmt: skip


def change_rows(items: list[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """Each item's history: created, and closed for the closed ones."""
    for row in items:
        item_id, workspace_id, owner, creator, created_at, status, closed_at = (
            row[0], row[1], row[5], row[6], row[13], row[10], row[15],
        )  # fmt: skip
        yield workspace_id, item_id, "created", creator, created_at, None
        if status != "open":
            yield workspace_id, item_id, status, owner, closed_at, status


def outbox_rows(shape: Shape, workspace_id: int, now: datetime, loader: Loader) -> Iterator[tuple[Any, ...]]:
    """Nudge DMs sent in the past, one per owner and day, newest first."""
    for index in range(shape.outbox_history):
        owner = owner_id(index % shape.owners)
        day = now.date() - timedelta(days=index // shape.owners + 1)
        at = datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC)
        yield (
            workspace_id, f"{workspace_id}/nudge:{owner}:{day.isoformat()}", "nudge", f"channel:{owner}",
            f'{{"owner": "{owner}"}}', loader.stamp(at), loader.stamp(at), 1, loader.stamp(at + timedelta(seconds=2)),
            f"{int(at.timestamp())}.000100",
        )  # fmt: skip


def person_rows(shape: Shape, workspace_id: int, now: datetime, loader: Loader) -> Iterator[tuple[Any, ...]]:
    for number in range(shape.owners):
        yield (
            workspace_id, owner_id(number), f"user{number}", ZONES[number % len(ZONES)], "en-US", False,
            loader.stamp(now),
        )  # fmt: skip


def seed(url: str, shape: Shape, now: datetime) -> dict[str, float]:
    """Fill a freshly migrated database; seconds per step."""
    took: dict[str, float] = {}
    started = time.perf_counter()
    store = Store.open(url)  # the real migrations create every table and index
    with store.transaction() as tx:
        workspace_id = tx.workspaces.ensure(SCOPE, now)
    engine = make_engine(url)  # a connection of its own: the loader tunes it for bulk writes
    loader = Loader(engine)
    loader.load("person", PERSON_COLUMNS, person_rows(shape, workspace_id, now, loader))
    items = list(item_rows(shape, workspace_id, now, loader))
    loader.load("action_item", ITEM_COLUMNS, items)
    took["items"] = time.perf_counter() - started
    loader.load("item_change", CHANGE_COLUMNS, change_rows(items))
    del items
    loader.load("outbox", OUTBOX_COLUMNS, outbox_rows(shape, workspace_id, now, loader))
    with engine.begin() as connection:
        for kind, column in ((ItemKind.ACTION, "next_action_number"), (ItemKind.DECISION, "next_decision_number")):
            last = connection.execute(
                select(func.max(ActionItemRow.number)).where(ActionItemRow.kind == kind.value)
            ).scalar()
            connection.execute(update(WorkspaceRow).values({column: (last or 0) + 1}))
    took["history"] = time.perf_counter() - started - took["items"]
    # Sessions go through the application (they are few): each channel meets weekly in its team's
    # zone, and whatever the planner would have sent for them already is marked sent.
    # The rhythms were set a year ago: each channel has had sessions, so "done since the last one" applies.
    sessions = Sessions(store, ManualClock(now - timedelta(days=365)))
    for channel in range(shape.channels):
        chair = channel_team(shape, channel)[0]
        zone = ZONES[int(chair[1:]) % len(ZONES)]
        rhythm = f"every {WEEKDAYS[channel % 5]} {9 + channel % 8}:00"
        sessions.set_rhythm(SCOPE, channel_id(channel), rhythm, Person(chair, tz=zone))
    sessions.clock = ManualClock(now)
    sessions.plan()
    with engine.begin() as connection:
        sent = {"sent_at": now, "attempts": 1}
        connection.execute(update(OutboxRow).where(OutboxRow.sent_at.is_(None)).values(sent))  # type: ignore[union-attr]
    if not loader.sqlite:
        # A live database has statistics (autovacuum keeps them); a fresh load has none yet.
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    took["sessions"] = time.perf_counter() - started - took["items"] - took["history"]
    took["total"] = time.perf_counter() - started
    engine.dispose()
    store.close()
    return took


# Measuring the application's own code


def median_ms(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure_core(url: str, shape: Shape, now: datetime, repeats: int) -> dict[str, Any]:
    store = Store.open(url)
    clock = ManualClock(now)
    sessions = Sessions(store, clock)
    found: dict[str, Any] = {}

    def sweep() -> None:
        with store.transaction() as tx:
            found["due"] = len(tx.nudges.due(now, limit=BATCH))

    with store.transaction() as tx:
        workspace_id = tx.workspaces.ensure(SCOPE, now)
        found["backlog"] = tx.session.execute(
            select(func.count()).where(ActionItemRow.status == "open", ActionItemRow.nudge_at <= now)  # type: ignore[operator]
        ).scalar_one()
    occasion = sessions.next_occasion(SCOPE, BIG_CHANNEL)
    assert occasion is not None

    def build() -> None:
        found["agenda"] = sessions.agenda(SCOPE, occasion)

    def render() -> None:
        found["pages"] = agenda_messages(found["agenda"], title=agenda_title(occasion.starts_at))

    def lister(which: ItemFilter) -> Callable[[], None]:
        def run() -> None:
            with store.transaction() as tx:
                tx.items.find(workspace_id, which, limit=20)

        return run

    owner = channel_team(shape, 1)[0]
    result = {
        "sweep": median_ms(sweep, repeats),
        "agenda": median_ms(build, repeats),
        "render": median_ms(render, repeats),
        "list_owner": median_ms(lister(ItemFilter(owner_id=owner)), repeats),
        "list_channel": median_ms(lister(ItemFilter(channel_id=channel_id(1))), repeats),
        "list_tag": median_ms(lister(ItemFilter(tag="ACCT001")), repeats),  # tags match whatever their case
        "list_overdue": median_ms(lister(ItemFilter(due_before=now.date())), repeats),
    }
    agenda = found["agenda"]
    pages = found["pages"]
    result.update(
        due=found["due"],
        backlog=found["backlog"],
        on_agenda=len(agenda.open_entries()) + agenda.counts.done,
        open_in_channel=len(agenda.open_entries()) + agenda.counts.later,
        pages=len(pages),
        blocks=sum(len(blocks) for blocks, _ in pages),
    )
    store.close()
    return result


def measure_bot(url: str, shape: Shape, now: datetime, folder: Path) -> dict[str, Any]:
    """RSS of a real `tanto run` on the database, after a planner tick and some requests."""
    from handlers.slack.standin.driver import SlackDriver
    from handlers.slack.standin.server import SlackStandIn
    from tests.bot_process import BotProcess

    with SlackStandIn(team_id=SCOPE.team_id, token=TOKEN) as standin:
        for number in range(shape.owners):
            standin.add_user(owner_id(number), name=f"user{number}", tz=ZONES[number % len(ZONES)])
        bot = BotProcess(
            database_url=url, api_url=standin.api_url, signing_secret=SECRET, bot_token=TOKEN,
            log_path=folder / "bot.log",
        )  # fmt: skip
        engine = create_engine(normalise_url(url))
        started = time.perf_counter()
        with bot:
            assert bot.pid is not None
            # The first tick runs at start: it works through the nudges that have come due.
            tick = wait_for_sweep(engine, now)
            result: dict[str, Any] = {"tick": time.perf_counter() - started, **tick}
            with SlackDriver(bot.url + "/slack/events", SECRET, standin, team_id=SCOPE.team_id) as slack:
                latencies = []
                for round_number in range(5):
                    owner = channel_team(shape, round_number + 1)[0]
                    for command, words, channel in (
                        ("/action", "list mine", channel_id(round_number + 1)),
                        ("/action", "list", BIG_CHANNEL),
                        ("/session", "preview", BIG_CHANNEL),
                    ):
                        reply = slack.command(command, words, user=owner, channel=channel)
                        if reply.status != 200 or not reply.text:
                            raise SystemExit(f"{command} {words} answered {reply.status}: {reply.body!r}")
                        latencies.append(reply.elapsed_ms)
                result["request_ms"] = statistics.median(latencies)
            time.sleep(2)  # the preview's later pages go out after the acknowledgement
            result.update(memory(bot.pid))
            result["dms"] = len(standin.calls_to("chat.postMessage"))
        engine.dispose()
    return result


def wait_for_sweep(engine: Engine, now: datetime, timeout: float = 900) -> dict[str, int]:
    """Until no item due by `now` is left unplanned and the outbox has delivered what was queued."""
    due = select(func.count()).where(ActionItemRow.status == "open", ActionItemRow.nudge_at <= now)  # type: ignore[operator]
    pending = select(func.count()).where(OutboxRow.sent_at.is_(None), OutboxRow.gave_up_at.is_(None))  # type: ignore[union-attr]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            left, queued = connection.execute(due).scalar(), connection.execute(pending).scalar()
        if left == 0 and queued == 0:
            with engine.connect() as connection:
                kinds = connection.execute(
                    select(OutboxRow.kind, func.count()).where(OutboxRow.sent_at >= now).group_by(OutboxRow.kind)  # type: ignore[operator]
                ).all()
            return {f"sent_{kind}": count for kind, count in kinds}
        time.sleep(1)
    raise SystemExit(f"the bot did not work through the due nudges within {timeout:.0f} s")


def memory(pid: int) -> dict[str, float]:
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return {key: int(fields[key].split()[0]) / 1024 for key in ("VmRSS", "VmHWM")}


# Databases and the report


def fresh_postgres(url: str) -> str:
    url = normalise_url(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def run_one(name: str, url: str, shape: Shape, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    now = datetime.now(UTC).replace(microsecond=0)
    print(f"{name}: seeding {shape.items:,} items over {shape.channels:,} channels …", flush=True)
    took = seed(url, shape, now)
    print(f"{name}: seeded in {took['total']:.0f} s (items {took['items']:.0f} s, history {took['history']:.0f} s, "
          f"sessions {took['sessions']:.0f} s); measuring …", flush=True)  # fmt: skip
    result = {"seed": took["total"], "seed_items": took["items"], **measure_core(url, shape, now, args.repeats)}
    if not args.no_bot:
        print(f"{name}: starting tanto run …", flush=True)
        result.update(measure_bot(url, shape, now, folder))
    print(f"{name}: {result}", flush=True)
    return result


def report(shape: Shape, results: dict[str, dict[str, Any]]) -> None:
    def cell(name: str, key: str, fmt: str) -> str:
        found = results.get(name, {})
        return format(found[key], fmt) if key in found else "—"

    def verdict(key: str) -> str:
        values = [found[key] for found in results.values() if key in found]
        return ("pass" if all(v < TARGETS[key] for v in values) else "FAIL") if values else "—"

    lines = [
        ("seed (s)", "seed", ".0f", "", ""),
        ("nudge sweep: due() (ms)", "sweep", ".1f", f"< {TARGETS['sweep']:.0f}", verdict("sweep")),
        ("agenda built, 5,000 open (ms)", "agenda", ".1f", f"< {TARGETS['agenda']:.0f}", verdict("agenda")),
        ("agenda as Block Kit (ms)", "render", ".1f", "", ""),
        ("agenda messages / blocks", "pages", "d", "", ""),
        ("list: an owner's open (ms)", "list_owner", ".1f", "", ""),
        ("list: a channel's open (ms)", "list_channel", ".1f", "", ""),
        ("list: an account tag's (ms)", "list_tag", ".1f", "", ""),
        ("list: all overdue (ms)", "list_overdue", ".1f", "", ""),
        ("first tick, due nudges (s)", "tick", ".1f", "", ""),
        ("signed request, median (ms)", "request_ms", ".0f", "", ""),
        ("bot RSS after work (MB)", "VmRSS", ".0f", f"< {TARGETS['VmRSS']:.0f}", verdict("VmRSS")),
        ("bot peak RSS, VmHWM (MB)", "VmHWM", ".0f", f"< {TARGETS['VmRSS']:.0f}", verdict("VmHWM")),
    ]
    print(f"\n{shape.items:,} items, {shape.channels:,} channels, {shape.owners:,} owners; medians")
    header = f"{'metric':<32} {'SQLite':>10} {'PostgreSQL':>11} {'target':>8}  result"
    print(header)
    print("-" * len(header))
    for label, key, fmt, target, outcome in lines:
        sqlite, postgres = cell("SQLite", key, fmt), cell("PostgreSQL", key, fmt)
        if key == "pages":
            sqlite += " / " + cell("SQLite", "blocks", "d")
            postgres += " / " + cell("PostgreSQL", "blocks", "d")
        print(f"{label:<32} {sqlite:>10} {postgres:>11} {target:>8}  {outcome}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--channels", type=int, default=1_000)
    parser.add_argument("--owners", type=int, default=2_000)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--postgres-url", help="PostgreSQL database to use; its public schema is DROPPED")
    parser.add_argument("--no-bot", action="store_true", help="skip starting `tanto run` for its memory")
    args = parser.parse_args()
    shape = Shape(args.items, args.channels, args.owners)
    if shape.items < 2 * (shape.big_open + shape.big_closed):
        raise SystemExit(f"--items must be at least {2 * (shape.big_open + shape.big_closed):,}")
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as folder:
        results["SQLite"] = run_one("SQLite", f"sqlite:///{folder}/scale.db", shape, args, Path(folder))
        if args.postgres_url:
            results["PostgreSQL"] = run_one("PostgreSQL", fresh_postgres(args.postgres_url), shape, args, Path(folder))
    report(shape, results)


if __name__ == "__main__":
    main()
