"""Livechat: visitors, rooms, messages, inquiries; contacts and their channels; departments, tags,
priorities, custom fields; outbound email and offline messages; agents' availability.

Revision ID: 0002_livechat
Revises: 0001_accounts_settings
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002_livechat"
down_revision = "0001_accounts_settings"
branch_labels = None
depends_on = None

ID = sa.String(32)
UTC = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(JSONB(), "postgresql")

TABLES = (
    "room_tags",
    "outbound_emails",
    "messages",
    "inquiries",
    "contact_phones",
    "contact_emails",
    "contact_channels",
    "rooms",
    "visitors",
    "offline_messages",
    "department_agents",
    "contacts",
    "livechat_tags",
    "livechat_priorities",
    "livechat_custom_fields",
    "departments",
    "counters",
)


def upgrade() -> None:
    op.create_table(
        "counters",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "departments",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("show_on_registration", sa.Boolean(), nullable=False),
        sa.Column("show_on_offline_form", sa.Boolean(), nullable=False),
        sa.Column("request_tag_before_closing", sa.Boolean(), nullable=False),
        sa.Column("chat_closing_tags", JSON, nullable=False),
        sa.Column("fallback_forward_department_id", ID, nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "livechat_custom_fields",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("visibility", sa.String(length=10), nullable=False),
        sa.Column("type", sa.String(length=10), nullable=False),
        sa.Column("regexp", sa.String(length=500), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("default_value", sa.String(length=500), nullable=False),
        sa.Column("options", sa.Text(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("searchable", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "livechat_priorities",
        sa.Column("id", ID, nullable=False),
        sa.Column("i18n", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=True),
        sa.Column("sort_item", sa.Integer(), nullable=False),
        sa.Column("dirty", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sort_item"),
    )
    op.create_table(
        "livechat_tags",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("departments", JSON, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "contacts",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("contact_manager_id", ID, nullable=True),
        sa.Column("unknown", sa.Boolean(), nullable=False),
        sa.Column("pre_registration", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("custom_fields", JSON, nullable=False),
        sa.Column("conflicting_fields", JSON, nullable=False),
        sa.Column("last_chat_room_id", ID, nullable=True),
        sa.Column("last_chat_at", UTC, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["contact_manager_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_contacts_enabled_unknown_name", "contacts", ["enabled", "unknown", "name"], unique=False
    )
    op.create_table(
        "department_agents",
        sa.Column("id", ID, nullable=False),
        sa.Column("department_id", ID, nullable=False),
        sa.Column("agent_id", ID, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("order", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("department_id", "agent_id", name="ux_department_agents"),
    )
    op.create_index(op.f("ix_department_agents_agent_id"), "department_agents", ["agent_id"], unique=False)
    op.create_table(
        "offline_messages",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("department_id", ID, nullable=True),
        sa.Column("host", sa.String(length=255), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "visitors",
        sa.Column("id", ID, nullable=False),
        sa.Column("token", sa.String(length=255), nullable=False),
        sa.Column("username", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=60), nullable=True),
        sa.Column("department_id", ID, nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("livechat_data", JSON, nullable=False),
        sa.Column("user_agent", sa.String(length=500), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("host", sa.String(length=255), nullable=True),
        sa.Column("last_chat_room_id", ID, nullable=True),
        sa.Column("last_chat_at", UTC, nullable=True),
        sa.Column("last_agent_id", ID, nullable=True),
        sa.Column("last_agent_username", sa.String(length=120), nullable=True),
        sa.Column("last_agent_at", UTC, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token"),
        sa.UniqueConstraint("username"),
    )
    op.create_index(op.f("ix_visitors_email"), "visitors", ["email"], unique=False)
    op.create_table(
        "contact_channels",
        sa.Column("id", ID, nullable=False),
        sa.Column("contact_id", ID, nullable=False),
        sa.Column("visitor_id", ID, nullable=False),
        sa.Column("source_type", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("details", JSON, nullable=False),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("verified_at", UTC, nullable=True),
        sa.Column("field", sa.String(length=60), nullable=True),
        sa.Column("value", sa.String(length=320), nullable=True),
        sa.Column("last_chat_room_id", ID, nullable=True),
        sa.Column("last_chat_at", UTC, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["visitor_id"], ["visitors.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("visitor_id", "source_type", "source_id", name="ux_contact_channels_assoc"),
    )
    op.create_index(op.f("ix_contact_channels_contact_id"), "contact_channels", ["contact_id"], unique=False)
    op.create_table(
        "contact_emails",
        sa.Column("id", ID, nullable=False),
        sa.Column("contact_id", ID, nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_contact_emails_address"), "contact_emails", ["address"], unique=False)
    op.create_index(op.f("ix_contact_emails_contact_id"), "contact_emails", ["contact_id"], unique=False)
    op.create_table(
        "contact_phones",
        sa.Column("id", ID, nullable=False),
        sa.Column("contact_id", ID, nullable=False),
        sa.Column("phone_number", sa.String(length=60), nullable=False),
        sa.Column("e164", sa.String(length=20), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_contact_phones_contact_id"), "contact_phones", ["contact_id"], unique=False)
    op.create_index(op.f("ix_contact_phones_e164"), "contact_phones", ["e164"], unique=False)
    op.create_table(
        "rooms",
        sa.Column("id", ID, nullable=False),
        sa.Column("fname", sa.String(length=200), nullable=False),
        sa.Column("visitor_id", ID, nullable=False),
        sa.Column("contact_id", ID, nullable=True),
        sa.Column("source", JSON, nullable=False),
        sa.Column("source_type", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.String(length=255), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("on_hold", sa.Boolean(), nullable=False),
        sa.Column("served_by_id", ID, nullable=True),
        sa.Column("served_by_username", sa.String(length=120), nullable=True),
        sa.Column("served_at", UTC, nullable=True),
        sa.Column("department_id", ID, nullable=True),
        sa.Column("topic", sa.String(length=500), nullable=True),
        sa.Column("priority_id", ID, nullable=True),
        sa.Column("priority_weight", sa.Integer(), nullable=False),
        sa.Column("livechat_data", JSON, nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("queued_at", UTC, nullable=True),
        sa.Column("closed_at", UTC, nullable=True),
        sa.Column("closer", sa.String(length=10), nullable=True),
        sa.Column("closed_by_id", ID, nullable=True),
        sa.Column("closed_by_username", sa.String(length=120), nullable=True),
        sa.Column("closing_comment", sa.Text(), nullable=True),
        sa.Column("last_message_at", UTC, nullable=True),
        sa.Column("last_message_id", ID, nullable=True),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column("waiting_response", sa.Boolean(), nullable=False),
        sa.Column("transcript_email", sa.String(length=320), nullable=True),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["priority_id"], ["livechat_priorities.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["served_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["visitor_id"], ["visitors.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_rooms_closed_at", "rooms", ["closed_at"], unique=False)
    op.create_index("ix_rooms_contact_closed", "rooms", ["contact_id", "closed_at"], unique=False)
    op.create_index("ix_rooms_created_at", "rooms", ["created_at"], unique=False)
    op.create_index("ix_rooms_department_created", "rooms", ["department_id", "created_at"], unique=False)
    op.create_index("ix_rooms_open_created", "rooms", ["open", "created_at"], unique=False)
    op.create_index("ix_rooms_served_by_created", "rooms", ["served_by_id", "created_at"], unique=False)
    op.create_index(
        "ix_rooms_visitor_source_open", "rooms", ["visitor_id", "source_type", "open"], unique=False
    )
    op.create_table(
        "inquiries",
        sa.Column("id", ID, nullable=False),
        sa.Column("room_id", ID, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("visitor_id", ID, nullable=False),
        sa.Column("department_id", ID, nullable=True),
        sa.Column("source_type", sa.String(length=20), nullable=False),
        sa.Column("default_agent_id", ID, nullable=True),
        sa.Column("default_agent_username", sa.String(length=120), nullable=True),
        sa.Column("taken_by_id", ID, nullable=True),
        sa.Column("priority_weight", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("queued_at", UTC, nullable=False),
        sa.Column("taken_at", UTC, nullable=True),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["visitor_id"], ["visitors.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("room_id"),
    )
    op.create_index("ix_inquiries_status_queued", "inquiries", ["status", "queued_at"], unique=False)
    op.create_table(
        "messages",
        sa.Column("id", ID, nullable=False),
        sa.Column("room_id", ID, nullable=False),
        sa.Column("msg", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=60), nullable=True),
        sa.Column("author_id", ID, nullable=False),
        sa.Column("author_username", sa.String(length=120), nullable=False),
        sa.Column("author_name", sa.String(length=200), nullable=True),
        sa.Column("author_kind", sa.String(length=10), nullable=False),
        sa.Column("token", sa.String(length=255), nullable=True),
        sa.Column("alias", sa.String(length=200), nullable=True),
        sa.Column("extra", JSON, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("edited_at", UTC, nullable=True),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_messages_room_created", "messages", ["room_id", "created_at"], unique=False)
    op.create_table(
        "outbound_emails",
        sa.Column("id", ID, nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("reply_to", sa.String(length=320), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("room_id", ID, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("next_attempt_at", UTC, nullable=False),
        sa.Column("sent_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_outbound_emails_status_next", "outbound_emails", ["status", "next_attempt_at"], unique=False
    )
    op.create_table(
        "room_tags",
        sa.Column("room_id", ID, nullable=False),
        sa.Column("tag", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("room_id", "tag"),
    )
    op.create_index("ix_room_tags_tag", "room_tags", ["tag"], unique=False)

    with op.batch_alter_table("users") as users:
        users.add_column(
            sa.Column("livechat_status", sa.String(20), nullable=False, server_default="not-available")
        )
        users.add_column(sa.Column("last_routed_at", UTC, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as users:
        users.drop_column("last_routed_at")
        users.drop_column("livechat_status")
    for table in TABLES:
        op.drop_table(table)
