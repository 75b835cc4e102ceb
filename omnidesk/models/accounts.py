"""Users, their login tokens, roles and the permission grants that map roles to rights."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, func
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from omnidesk.db import Base, IdType, new_id, utcnow

# The omnichannel roles code asks about by name (Rocket.Chat's ids).
AGENT_ROLE = "livechat-agent"
MANAGER_ROLE = "livechat-manager"

USER_STATUSES = ("online", "away", "busy", "offline")


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(320), unique=True)  # stored lower-cased
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    # argon2 of the password's SHA-256 hex digest, so Meteor clients that send {digest} can log in too.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    type: Mapped[str] = mapped_column(String(20), default="user")
    # Presence: ``status`` is what others see; ``status_default`` what the user chose (users.setStatus),
    # which its status returns to when it connects again (Rocket.Chat's ``statusDefault``).
    status: Mapped[str] = mapped_column(String(20), default="offline")
    status_default: Mapped[str] = mapped_column(String(20), default="online", server_default="online")
    status_changed_at: Mapped[datetime | None]
    status_text: Mapped[str] = mapped_column(String(120), default="")
    require_password_change: Mapped[bool] = mapped_column(Boolean, default=False)
    # Omnichannel: whether the agent takes new chats ("available" | "not-available"), and when routing
    # last gave it one (the tie-breaker between equally busy agents).
    livechat_status: Mapped[str] = mapped_column(String(20), default="not-available")
    # The most chats it serves at once (Rocket.Chat's livechat.maxNumberSimultaneousChat); None or 0:
    # the workspace's Livechat_maximum_chats_per_agent applies.
    livechat_max_chats: Mapped[int | None] = mapped_column(Integer)
    # Business hours made it not-available (Rocket.Chat's livechatStatusSystemModified): their opening
    # makes it available again; a status the agent set itself stays.
    livechat_status_by_hours: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    last_routed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_login: Mapped[datetime | None]

    roles: Mapped[list[Role]] = relationship(secondary="user_roles", lazy="selectin", order_by="Role.id")

    __table_args__ = (Index("ux_users_username_lower", func.lower(username), unique=True),)

    @property
    def role_ids(self) -> list[str]:
        return [role.id for role in self.roles]


class LoginToken(Base):
    """A REST/DDP login. Only the SHA-256 of the token is kept: a database dump logs nobody in."""

    __tablename__ = "login_tokens"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Role(Base):
    __tablename__ = "roles"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # Rocket.Chat: a role's _id is its name
    description: Mapped[str] = mapped_column(String(255), default="")
    scope: Mapped[str] = mapped_column(String(20), default="Users")
    protected: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role_id: Mapped[str] = mapped_column(
        ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Permission(Base):
    __tablename__ = "permissions"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)  # Rocket.Chat's permission name
    group: Mapped[str] = mapped_column(String(60), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    roles: Mapped[list[Role]] = relationship(
        secondary="permission_roles", lazy="selectin", order_by="Role.id"
    )


class PermissionRole(Base):
    __tablename__ = "permission_roles"

    permission_id: Mapped[str] = mapped_column(
        ForeignKey("permissions.id", ondelete="CASCADE"), primary_key=True
    )
    role_id: Mapped[str] = mapped_column(
        ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True, index=True
    )
