"""The unit of work: one transaction, with the repositories that act inside it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlmodel import Session

from storage.conversations import ConversationRepository
from storage.db import make_engine
from storage.inbox import InboxRepository
from storage.items import ItemRepository
from storage.migrate import upgrade
from storage.nudges import NudgeRepository
from storage.outbox import OutboxRepository
from storage.sessions import SessionRepository
from storage.transfer import TransferRepository
from storage.workspaces import WorkspaceRepository


@dataclass
class Tx:
    """Repositories sharing one session; everything commits together or not at all."""

    session: Session
    workspaces: WorkspaceRepository
    items: ItemRepository
    outbox: OutboxRepository
    sessions: SessionRepository
    nudges: NudgeRepository
    transfer: TransferRepository
    inbox: InboxRepository
    conversations: ConversationRepository


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        store = cls(make_engine(url))
        if migrate:
            upgrade(store.engine)
        return store

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield Tx(
                session=session,
                workspaces=WorkspaceRepository(session),
                items=ItemRepository(session),
                outbox=OutboxRepository(session),
                sessions=SessionRepository(session),
                nudges=NudgeRepository(session),
                transfer=TransferRepository(session),
                inbox=InboxRepository(session),
                conversations=ConversationRepository(session),
            )

    def ping(self) -> None:
        """Raise when the database cannot be reached."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def close(self) -> None:
        self.engine.dispose()
