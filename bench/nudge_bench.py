"""Nudge planning cost: many open items, one planner pass when all of them come due at once.

    .venv/bin/python bench/nudge_bench.py [--items 10000] [--owners 1000] [--rounds 3]
        [--database-url postgresql://postgres@127.0.0.1:5432/test]

Creates the items through the real tracker (so each gets its ladder), moves the clock to the
first step, and times `Nudges.plan`: the query for due items, one DM per owner into the outbox,
each item's next moment. Then times a pass with nothing due (the steady-state tick). Prints
medians over fresh databases; with a PostgreSQL URL its `public` schema is DROPPED first.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from bot.clock import ManualClock
from bot.model import Person, Scope
from bot.nudges import Nudges
from bot.tracker import Tracker
from storage.db import normalise_url
from storage.store import Store
from storage.tables import OutboxRow

SCOPE = Scope("slack", "T0BENCH")
START = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # Monday 12:00 Tokyo
DUE = date(2026, 11, 27)  # Friday: its "2 business days before" step is Wednesday 09:00


def fresh_store(url: str | None, folder: Path, round_number: int) -> Store:
    if url is None:
        return Store.open(f"sqlite:///{folder / f'bench-{round_number}.db'}")
    url = normalise_url(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return Store.open(url)


def one_round(store: Store, items: int, owners: int) -> tuple[float, float, int, float]:
    clock = ManualClock(START)
    tracker = Tracker(store, clock)
    author = Person("U0AUTHOR", tz="UTC")
    started = time.perf_counter()
    for number in range(items):
        tracker.complete(
            SCOPE, author=author, channel_id=f"C{number % 100:04d}", title=f"Follow up {number}",
            owner_id=f"U{number % owners:05d}", due_on=DUE, tag=None, source_key=f"bench:{number}",
        )  # fmt: skip
    created = time.perf_counter() - started
    nudges = Nudges(store, clock)
    clock.set(datetime(2026, 11, 25, 9, 30, tzinfo=UTC))  # every owner (UTC) is past Wednesday 09:00
    started = time.perf_counter()
    queued = nudges.plan()
    planned = time.perf_counter() - started
    started = time.perf_counter()
    assert nudges.plan() == 0
    idle = time.perf_counter() - started
    with store.transaction() as tx:
        rows = tx.session.exec(select(func.count()).select_from(OutboxRow).where(OutboxRow.kind == "nudge")).one()[0]
    assert rows == queued == owners, (rows, queued, owners)
    return planned, idle, queued, created


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--owners", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (its public schema is dropped)")
    args = parser.parse_args()
    engine = "PostgreSQL" if args.database_url else "SQLite"
    planned, idle = [], []
    with tempfile.TemporaryDirectory() as folder:
        for round_number in range(args.rounds):
            store = fresh_store(args.database_url, Path(folder), round_number)
            took, quiet, queued, created = one_round(store, args.items, args.owners)
            store.close()
            planned.append(took)
            idle.append(quiet)
            print(f"round {round_number + 1}: created {args.items} items in {created:.1f} s; "
                  f"planned {queued} DMs in {took * 1000:.0f} ms; idle tick {quiet * 1000:.1f} ms")  # fmt: skip
    median = statistics.median(planned)
    print(f"{engine}: {args.items} items due at once for {args.owners} owners → {args.owners} DMs queued")
    print(f"  plan pass: median {median * 1000:.0f} ms ({median / args.items * 1e6:.0f} µs per item)")
    print(f"  idle tick: median {statistics.median(idle) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
