"""Conversation references: where a Teams conversation can be reached outside a request."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.tables import ConversationRefRow


class ConversationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def remember(
        self, workspace_id: int, conversation_id: str, reference: str, now: datetime, *,
        user_id: str | None = None, aad_object_id: str | None = None,
    ) -> None:  # fmt: skip
        """Keep the latest reference to the conversation; `user_id` when it is that person's 1:1 chat."""
        values = {
            "workspace_id": workspace_id,
            "conversation_id": conversation_id,
            "reference": reference,
            "updated_at": now,
            "user_id": user_id,
            "aad_object_id": aad_object_id,
        }
        changed = {"reference": reference, "updated_at": now}
        if user_id is not None:
            changed |= {"user_id": user_id, "aad_object_id": aad_object_id}
        dialect = postgresql if self.session.get_bind().dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(ConversationRefRow)
            .values(values)
            .on_conflict_do_update(index_elements=["workspace_id", "conversation_id"], set_=changed)
        )
        self.session.execute(statement)

    def reference(self, workspace_id: int, conversation_id: str) -> str | None:
        return self.session.exec(
            select(ConversationRefRow.reference).where(
                col(ConversationRefRow.workspace_id) == workspace_id,
                col(ConversationRefRow.conversation_id) == conversation_id,
            )
        ).first()

    def personal_chat(self, workspace_id: int, user_id: str) -> str | None:
        """The reference to the person's 1:1 chat with the bot, if they ever wrote there."""
        return self.session.exec(
            select(ConversationRefRow.reference)
            .where(col(ConversationRefRow.workspace_id) == workspace_id, col(ConversationRefRow.user_id) == user_id)
            .order_by(col(ConversationRefRow.updated_at).desc())
        ).first()
