"""Where conversations can be reached later: the platform's reference to each, kept as it comes.

Slack needs none of this (a channel or user id is enough to post); Teams can only write to a
conversation outside a request with the reference its last message carried. The references are
kept in the database, not in memory, so every replica and every restart can deliver.
"""

from __future__ import annotations

from bot.clock import Clock
from bot.model import Scope
from storage.store import Store


class Conversations:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def remember(
        self, scope: Scope, conversation_id: str, reference: str, *, user_id: str | None = None,
        aad_object_id: str | None = None,
    ) -> None:  # fmt: skip
        """Keep the conversation's latest reference; `user_id` when it is that person's 1:1 chat."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            tx.conversations.remember(
                tx.workspaces.ensure(scope, now), conversation_id, reference, now,
                user_id=user_id, aad_object_id=aad_object_id,
            )  # fmt: skip

    def reference(self, scope: Scope, address: str) -> str | None:
        """The reference for an outbox address: a conversation, or a person (their 1:1 chat)."""
        with self.store.transaction() as tx:
            workspace_id = tx.workspaces.ensure(scope, self.clock.now())
            return tx.conversations.reference(workspace_id, address) or tx.conversations.personal_chat(
                workspace_id, address
            )
