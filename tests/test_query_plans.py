"""The hot queries search an index, on SQLite and on PostgreSQL, checked with EXPLAIN.

The database is filled once per engine with data of a live workspace's shape: tens of thousands
of items, most of them closed history, spread over hundreds of owners and channels; an outbox of
mostly sent messages; a backlog in the inbox. Each hot query is run through its repository while
the driver's cursor is watched, and EXPLAIN is asked about exactly the SQL and parameters the
repository sent, never a retyped copy: a change to a repository's query is checked here as made.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, insert, text
from sqlmodel import Session

from bot.model import ItemKind, Scope
from storage.db import normalise_url
from storage.inbox import InboxRepository
from storage.items import ItemFilter, ItemRepository
from storage.nudges import NudgeRepository
from storage.outbox import OutboxRepository
from storage.store import Store
from storage.tables import ActionItemRow, InboxRow, OutboxRow
from tests.conftest import database_urls

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
TODAY = NOW.date()
ITEMS = 24_000
CHANNELS = 200
OWNERS = 400
OUTBOX = 20_000
INBOX_BACKLOG = 3_000  # after an outage: requests received while the database was slow
CLOSED_SHARE = 0.7
NUDGE_DUE_SHARE = 0.03  # of open items: their next nudge moment has come


@dataclass(frozen=True)
class Seeded:
    engine: Engine
    workspace_id: int


@pytest.fixture(scope="module", params=database_urls())
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('plans') / 'tanto.db'}"
    else:
        url = normalise_url(request.param)
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    store = Store.open(url)  # the real migrations: the indexes under test are theirs
    with store.transaction() as tx:
        workspace_id = tx.workspaces.ensure(Scope("slack", "T0001"), NOW)
        other_workspace = tx.workspaces.ensure(Scope("slack", "T0002"), NOW)
    with store.engine.begin() as connection:
        connection.execute(insert(ActionItemRow), list(item_rows((workspace_id, other_workspace))))
        connection.execute(insert(OutboxRow), list(outbox_rows(workspace_id)))
        connection.execute(insert(InboxRow), list(inbox_rows()))
    if store.engine.dialect.name == "postgresql":
        # A live database has statistics and a visibility map: autovacuum keeps both. A table
        # filled a moment ago has neither, and the planner would be judging a table it cannot see.
        # SQLite gets no ANALYZE: `tanto run` never runs one, so its default estimates are what
        # production plans with.
        with store.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    yield Seeded(store.engine, workspace_id)
    store.close()


def item_rows(workspaces: tuple[int, int]) -> Iterator[dict[str, Any]]:
    """Items in two workspaces (three in four in the first), like the scale benchmark's."""
    rng = random.Random(20261123)
    numbers = {(workspace, kind): 0 for workspace in workspaces for kind in ItemKind}
    for index in range(ITEMS):
        workspace = workspaces[1] if index % 4 == 3 else workspaces[0]
        kind = ItemKind.DECISION if rng.random() < 0.08 else ItemKind.ACTION
        numbers[workspace, kind] += 1
        owner = f"U{rng.randrange(OWNERS):05d}"
        created_at = NOW - timedelta(days=rng.uniform(1, 400))
        closed = rng.random() < CLOSED_SHARE
        if closed:
            nudge_at = None
        elif rng.random() < NUDGE_DUE_SHARE:
            nudge_at = NOW - timedelta(minutes=rng.uniform(0, 30))
        else:
            nudge_at = NOW + timedelta(minutes=rng.uniform(1, 30 * 24 * 60))
        yield {
            "workspace_id": workspace,
            "kind": kind.value,
            "number": numbers[workspace, kind],
            "title": f"Follow up on the proposal, step {index}",
            "owner_id": owner,
            "creator_id": owner,
            "channel_id": f"C{rng.randrange(CHANNELS):05d}",
            "due_on": TODAY + timedelta(days=rng.randrange(-60, 120)),
            "tag": f"{rng.choice(('acct', 'Acct'))}{rng.randrange(50):02d}",  # `#Globex` is `#globex`
            "status": "done" if closed else "open",
            "reschedule_count": 0,
            "source_key": f"seed:{index}",
            "created_at": created_at,
            "updated_at": created_at,
            "closed_at": created_at + timedelta(days=3) if closed else None,
            "nudged_until": None if closed else NOW - timedelta(hours=1),
            "nudge_at": nudge_at,
            "nudges_off": False,
        }


def outbox_rows(workspace_id: int) -> Iterator[dict[str, Any]]:
    """Sent history (the outbox is never pruned), a few rows due now, a few later, a few given up."""
    for index in range(OUTBOX):
        due_at = NOW - timedelta(minutes=OUTBOX - index)
        sent_at = gave_up_at = None
        if index < OUTBOX - 60:
            sent_at = due_at + timedelta(seconds=1)
        elif index < OUTBOX - 50:
            gave_up_at = due_at + timedelta(hours=1)
        elif index >= OUTBOX - 20:
            due_at = NOW + timedelta(minutes=index % 20 + 1)
        yield {
            "workspace_id": workspace_id,
            "key": f"{workspace_id}/nudge:U{index % OWNERS:05d}:{index}",
            "kind": "nudge",
            "target": f"user:U{index % OWNERS:05d}",
            "data": "{}",
            "due_at": due_at,
            "first_due_at": due_at,
            "attempts": 1 if sent_at else 0,
            "sent_at": sent_at,
            "gave_up_at": gave_up_at,
        }


def inbox_rows() -> Iterator[dict[str, Any]]:
    for index in range(INBOX_BACKLOG):
        yield {
            "platform": "slack",
            "enterprise_id": "",
            "team_id": f"T{index % 3:04d}",
            "key": f"trigger-{index}",
            "payload": json.dumps({"command": "/action", "text": f"item {index}"}),
            "received_at": NOW - timedelta(seconds=INBOX_BACKLOG - index),
            "attempts": 0,
        }


# The hot queries, each as its repository runs it


@dataclass(frozen=True)
class HotQuery:
    name: str
    run: Callable[[Session, int], Any]  # (session, workspace id) -> what the repository returned
    table: str
    index: str  # the index that must serve it
    # Served by reading the table in primary key order: SQLite's table is itself that B-tree, so
    # its plan names no index; what matters is that nothing is sorted before the limit applies.
    in_key_order: bool = False


def _listed(which: ItemFilter) -> Callable[[Session, int], Any]:
    """`/action list`: its page of items (the count query it also sends is checked as well)."""

    def run(session: Session, workspace_id: int) -> Any:
        items, _total = ItemRepository(session).find(workspace_id, which, limit=20)
        return items

    return run


def _agenda_items(session: Session, workspace_id: int) -> Any:
    return ItemRepository(session).for_agenda(workspace_id, "C00011", closed_since=NOW - timedelta(days=7))


def _nudge_sweep(session: Session, _workspace_id: int) -> Any:
    return NudgeRepository(session).due(NOW, limit=500)


def _owner_replan(session: Session, workspace_id: int) -> Any:
    return NudgeRepository(session).open_items(workspace_id, owner_id="U00007")


def _channel_replan(session: Session, workspace_id: int) -> Any:
    return NudgeRepository(session).open_items(workspace_id, channel_id="C00011")


def _outbox_claim(session: Session, _workspace_id: int) -> Any:
    return OutboxRepository(session).claim_due(NOW, worker="plans", lease=timedelta(seconds=60), limit=50)


def _outbox_due_summary(session: Session, _workspace_id: int) -> Any:
    count, oldest = OutboxRepository(session).due_summary(NOW)
    return [oldest] * count


def _outbox_next_due(session: Session, _workspace_id: int) -> Any:
    found = OutboxRepository(session).next_due_at()
    return [found] if found else []


def _checkins_asked(session: Session, workspace_id: int) -> Any:
    keys = [f"nudge:U{index % OWNERS:05d}:{index}" for index in range(100, 140)]
    return OutboxRepository(session).existing_keys(workspace_id, keys)


def _inbox_take(session: Session, _workspace_id: int) -> Any:
    return InboxRepository(session).take(50)


HOT_QUERIES = [
    HotQuery(
        "list: an owner's open items", _listed(ItemFilter(owner_id="U00007")), "action_item", "ix_item_owner_open"
    ),
    HotQuery(
        "list: a channel's open items", _listed(ItemFilter(channel_id="C00011")), "action_item", "ix_item_channel_open"
    ),
    HotQuery(
        "list: an account tag's open items", _listed(ItemFilter(tag="ACCT07")), "action_item", "ix_item_tag_folded"
    ),
    HotQuery("list: overdue", _listed(ItemFilter(due_before=TODAY)), "action_item", "ix_item_open_due"),
    HotQuery("agenda: a channel's items", _agenda_items, "action_item", "ix_item_channel_open"),
    HotQuery("nudge sweep: next nudge moment come", _nudge_sweep, "action_item", "ix_item_nudge_at"),
    HotQuery("re-plan: an owner's open items", _owner_replan, "action_item", "ix_item_owner_open"),
    HotQuery("re-plan: a channel's open items", _channel_replan, "action_item", "ix_item_channel_open"),
    HotQuery("outbox: claim due rows", _outbox_claim, "outbox", "ix_outbox_due"),
    HotQuery("outbox: due count for /metrics", _outbox_due_summary, "outbox", "ix_outbox_due"),
    HotQuery("outbox: next due moment", _outbox_next_due, "outbox", "ix_outbox_due"),
    HotQuery("outbox: keys looked up (agenda: check-ins asked)", _checkins_asked, "outbox", "<unique key>"),
    HotQuery("inbox: oldest waiting requests", _inbox_take, "inbox", "inbox_pkey", in_key_order=True),
]


@pytest.mark.parametrize("query", HOT_QUERIES, ids=[query.name for query in HOT_QUERIES])
def test_the_hot_query_searches_its_index(seeded: Seeded, query: HotQuery) -> None:
    found, statements = run_watched(seeded.engine, lambda session: query.run(session, seeded.workspace_id))
    assert found, f"{query.name}: the seeded data should give it something to find"
    reading = [sent for sent in statements if sent.reads(query.table)]
    assert reading, f"{query.name} sent no SELECT on {query.table}: {statements}"
    index = unique_key_index(seeded.engine) if query.index == "<unique key>" else query.index
    plans = [explain(seeded.engine, sent) for sent in reading]
    for sent, plan in zip(reading, plans, strict=True):
        assert not plan.reads_whole(query.table, in_key_order=query.in_key_order), f"{sent.statement}\n{plan}"
    if query.in_key_order:
        assert all(plan.walks_in_key_order(query.table, index) for plan in plans), plans
    else:
        assert any(plan.searches(index) for plan in plans), f"{query.name} does not search {index}: {plans}"


def test_a_full_scan_is_recognised(seeded: Seeded) -> None:
    """The plan reading above is not vacuous: a query that no index serves shows as a full read."""
    _, statements = run_watched(
        seeded.engine,
        lambda session: session.execute(text("SELECT id FROM action_item WHERE title = :title"), {"title": "x"}),
    )
    [sent] = [sent for sent in statements if sent.reads("action_item")]
    plan = explain(seeded.engine, sent)
    assert plan.reads_whole("action_item", in_key_order=False)
    assert not plan.searches("ix_item_owner_open")


def test_the_seeded_tables_are_large_enough_to_matter(seeded: Seeded) -> None:
    """Below a few pages, scanning is the right plan; the checks above mean something only at size."""
    with seeded.engine.connect() as connection:
        counts = {
            table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("action_item", "outbox", "inbox")
        }
    assert counts == {"action_item": ITEMS, "outbox": OUTBOX, "inbox": INBOX_BACKLOG}


# Watching the driver, and reading plans


@dataclass(frozen=True)
class Sent:
    statement: str
    parameters: Any

    def reads(self, table: str) -> bool:
        words = self.statement.split()
        return words[0].upper() == "SELECT" and f"FROM {table}" in " ".join(words)


def run_watched(engine: Engine, work: Callable[[Session], Any]) -> tuple[Any, list[Sent]]:
    """What `work` returned, and every statement it sent; its writes are rolled back."""
    sent: list[Sent] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        sent.append(Sent(statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        with Session(engine) as session:
            found = work(session)
            session.rollback()  # claiming outbox rows writes: the next query sees the same data
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return found, sent


@dataclass(frozen=True)
class Plan:
    dialect: str
    lines: tuple[str, ...]  # SQLite: the detail column of EXPLAIN QUERY PLAN
    nodes: tuple[dict[str, Any], ...]  # PostgreSQL: every node of the JSON plan

    def searches(self, index: str) -> bool:
        """Whether the plan looks rows up in `index` by a condition (not just walks it)."""
        if self.dialect == "sqlite":
            return any(line.startswith("SEARCH ") and f" INDEX {index} " in line for line in self.lines)
        return any(node.get("Index Name") == index and "Index Cond" in node for node in self.nodes)

    def reads_whole(self, table: str, *, in_key_order: bool) -> bool:
        """Whether every row (or index entry) of the table is read; a walk in key order that a limit
        cuts short is not, when that is what the query is for."""
        if self.dialect == "sqlite":
            scans = [line for line in self.lines if line.split()[:2] == ["SCAN", table]]
            return bool(scans) and not (in_key_order and self.walks_in_key_order(table, ""))
        return any(node["Node Type"] == "Seq Scan" and node.get("Relation Name") == table for node in self.nodes)

    def walks_in_key_order(self, table: str, primary_key: str) -> bool:
        """Rows come in primary key order, so nothing is sorted before the limit applies.

        SQLite's table is itself the primary key's B-tree: its plan names no index for this.
        """
        if self.dialect == "sqlite":
            return f"SCAN {table}" in self.lines and not any("TEMP B-TREE" in line for line in self.lines)
        walks = [node for node in self.nodes if node.get("Index Name") == primary_key]
        return bool(walks) and not any(node["Node Type"] in ("Sort", "Incremental Sort") for node in self.nodes)

    def __str__(self) -> str:
        return "\n".join(self.lines) if self.dialect == "sqlite" else json.dumps(self.nodes, indent=1)


def explain(engine: Engine, sent: Sent) -> Plan:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sent.statement, sent.parameters).all()
            return Plan("sqlite", tuple(row[3] for row in rows), ())
        [document] = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + sent.statement, sent.parameters).one()
    return Plan("postgresql", (), tuple(_nodes(document[0]["Plan"])))


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def unique_key_index(engine: Engine) -> str:
    """The index behind the outbox's unique key: named by each database its own way."""
    return "sqlite_autoindex_outbox_1" if engine.dialect.name == "sqlite" else "outbox_key_key"
