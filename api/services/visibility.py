"""Who may see a comment: everyone if approved, else its author and moderators."""

from __future__ import annotations

from api.http.auth import Identity
from models.tables import APPROVED, Comment


def can_see(identity: Identity | None, comment: Comment) -> bool:
    if comment.status == APPROVED:
        return True
    if identity is None:
        return False
    return identity.is_moderator or identity.user_id == comment.author_id
