"""Email inboxes: mailboxes read over IMAP whose emails become chats; the Message-ID of every email of a
chat; threading headers and the sending inbox on queued emails.

Revision ID: 0007_email_inboxes
Revises: 0006_messaging_channels
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_email_inboxes"
down_revision = "0006_messaging_channels"
branch_labels = None
depends_on = None

ID = sa.String(32)
UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "email_inboxes",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("sender_info", sa.String(length=200), nullable=True),
        sa.Column("department_id", ID, nullable=True),
        sa.Column("smtp_server", sa.String(length=255), nullable=False),
        sa.Column("smtp_port", sa.Integer(), nullable=False),
        sa.Column("smtp_username", sa.String(length=320), nullable=False),
        sa.Column("smtp_password", sa.String(length=500), nullable=False),
        sa.Column("smtp_secure", sa.Boolean(), nullable=False),
        sa.Column("imap_server", sa.String(length=255), nullable=False),
        sa.Column("imap_port", sa.Integer(), nullable=False),
        sa.Column("imap_username", sa.String(length=320), nullable=False),
        sa.Column("imap_password", sa.String(length=500), nullable=False),
        sa.Column("imap_secure", sa.Boolean(), nullable=False),
        sa.Column("imap_max_retries", sa.Integer(), nullable=False),
        sa.Column("failed_polls", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_polled_at", UTC, nullable=True),
        sa.Column("created_by_id", ID, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "email_messages",
        sa.Column("id", ID, nullable=False),
        sa.Column("inbox_id", ID, nullable=False),
        sa.Column("message_id_header", sa.String(length=500), nullable=False),
        sa.Column("room_id", ID, nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["inbox_id"], ["email_inboxes.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("inbox_id", "message_id_header", name="ux_email_messages_inbox_message_id"),
    )
    op.create_index("ix_email_messages_room", "email_messages", ["room_id"])
    with op.batch_alter_table("outbound_emails") as batch:
        batch.add_column(sa.Column("inbox_id", ID, nullable=True))
        batch.add_column(sa.Column("message_id_header", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("in_reply_to", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("references_header", sa.Text(), nullable=True))
        batch.create_foreign_key(
            "fk_outbound_emails_inbox_id", "email_inboxes", ["inbox_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("outbound_emails") as batch:
        batch.drop_constraint("fk_outbound_emails_inbox_id", type_="foreignkey")
        for column in ("references_header", "in_reply_to", "message_id_header", "inbox_id"):
            batch.drop_column(column)
    op.drop_index("ix_email_messages_room", table_name="email_messages")
    op.drop_table("email_messages")
    op.drop_table("email_inboxes")
