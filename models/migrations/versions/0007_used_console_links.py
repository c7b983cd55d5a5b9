"""used console links

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "used_console_links",
        sa.Column("jti", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_used_console_links_user_id_users")
        ),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_used_console_links")),
    )
    with op.batch_alter_table("used_console_links", schema=None) as batch_op:
        batch_op.create_index("ix_used_console_link_expiry", ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("used_console_links", schema=None) as batch_op:
        batch_op.drop_index("ix_used_console_link_expiry")
    op.drop_table("used_console_links")
