"""Accounts, roles, permissions and settings.

Revision ID: 0001_accounts_settings
Revises:
Create Date: 2026-11-25

Migrations spell their tables out instead of importing the models, so they keep working as the
models change.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001_accounts_settings"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.String(32)
UTC = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", ID, primary_key=True),
        sa.Column("username", sa.String(120), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=True, unique=True),
        sa.Column("email_verified", sa.Boolean, nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_text", sa.String(120), nullable=False),
        sa.Column("require_password_change", sa.Boolean, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("last_login", UTC, nullable=True),
    )
    op.create_index("ux_users_username_lower", "users", [sa.text("lower(username)")], unique=True)

    op.create_table(
        "login_tokens",
        sa.Column("id", ID, primary_key=True),
        sa.Column("user_id", ID, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UTC, nullable=False),
    )
    op.create_index("ix_login_tokens_user_id", "login_tokens", ["user_id"])

    op.create_table(
        "roles",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("description", sa.String(255), nullable=False),
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("protected", sa.Boolean, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
    )
    op.create_table(
        "user_roles",
        sa.Column("user_id", ID, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("role_id", sa.String(64), sa.ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_index("ix_user_roles_role_id", "user_roles", ["role_id"])

    op.create_table(
        "permissions",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("group", sa.String(60), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
    )
    op.create_table(
        "permission_roles",
        sa.Column(
            "permission_id",
            sa.String(100),
            sa.ForeignKey("permissions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("role_id", sa.String(64), sa.ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_index("ix_permission_roles_role_id", "permission_roles", ["role_id"])

    op.create_table(
        "settings",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("value", JSON, nullable=True),
        sa.Column("package_value", JSON, nullable=True),
        sa.Column("group", sa.String(60), nullable=False),
        sa.Column("public", sa.Boolean, nullable=False),
        sa.Column("values", JSON, nullable=True),
        sa.Column("updated_at", UTC, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "settings",
        "permission_roles",
        "permissions",
        "user_roles",
        "roles",
        "login_tokens",
        "users",
    ):
        op.drop_table(table)
