"""Every write to users and their logins."""

from __future__ import annotations

import re
from collections.abc import Iterable

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from omnidesk.actions.password_policy import check_password
from omnidesk.db import utcnow
from omnidesk.errors import ApiError, Unauthorized
from omnidesk.events import RolesChanged, UserChanged, UserStatusChanged, send_event_on_commit
from omnidesk.models import LoginToken, Role, User
from omnidesk.models.accounts import USER_STATUSES
from omnidesk.queries.users import any_admin_exists, count_users_in_role, user_by_email, user_by_username
from omnidesk.security import Passwords, hash_token, new_login_token

# Rocket.Chat's default UTF8_User_Names_Validation.
USERNAME_PATTERN = re.compile(r"^[0-9a-zA-Z\-_.]+$")
MAX_STATUS_TEXT = 120


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ApiError("error-invalid-email", f"Invalid email {email}") from None


def _check_username(session: Session, username: str, *, current: User | None = None) -> str:
    username = username.strip()
    if not USERNAME_PATTERN.match(username) or len(username) > 120:
        raise ApiError(
            "error-invalid-username",
            f"{username} is not a valid username, use only letters, numbers, dots, hyphens and underscores",
        )
    taken = user_by_username(session, username)
    if taken is not None and taken is not current:
        raise ApiError("error-field-unavailable", f"{username} is already in use :(")
    return username


def _check_email(session: Session, email: str, *, current: User | None = None) -> str:
    address = normalise_email(email)
    taken = user_by_email(session, address)
    if taken is not None and taken is not current:
        raise ApiError("error-field-unavailable", f"{address} is already in use :(")
    return address


def _load_roles(session: Session, role_ids: Iterable[str]) -> list[Role]:
    wanted = list(dict.fromkeys(role_ids))
    roles = {role.id: role for role in session.scalars(select(Role).where(Role.id.in_(wanted)))}
    for role_id in wanted:
        if role_id not in roles:
            raise ApiError("error-invalid-role", f"Role {role_id} does not exist")
    return [roles[role_id] for role_id in wanted]


def create_user(
    session: Session,
    *,
    passwords: Passwords,
    username: str,
    email: str,
    password: str,
    name: str,
    roles: Iterable[str] = ("user",),
    active: bool = True,
    email_verified: bool = False,
    require_password_change: bool = False,
) -> User:
    user = User(
        username=_check_username(session, username),
        email=_check_email(session, email),
        name=name.strip(),
        password_hash=passwords.hash(check_password(session, password)),
        active=active,
        email_verified=email_verified,
        require_password_change=require_password_change,
        status="offline",
        status_text="",
        type="user",
    )
    user.roles = _load_roles(session, roles)
    session.add(user)
    session.flush()
    # No event: nobody can be listening for a user that did not exist (Rocket.Chat's "inserted"
    # userData goes to the new user's own sessions, of which there are none yet).
    return user


def _email_taken(session: Session, email: str) -> bool:
    try:
        return user_by_email(session, normalise_email(email)) is not None
    except ApiError:
        return False  # an invalid address is refused by create_user with its own error


def check_current_password(user: User, *, passwords: Passwords, current: str) -> None:
    """``current`` is the SHA-256 hex digest Meteor clients send, or the plain password."""
    digest = current.lower() if re.fullmatch(r"[0-9a-fA-F]{64}", current) else Passwords.digest(current)
    if not passwords.verify_digest(user.password_hash, digest):
        raise ApiError("error-invalid-password", "Invalid password")


def register_user(
    session: Session, *, passwords: Passwords, username: str, email: str, password: str, name: str
) -> User:
    """Self-registration. As in Rocket.Chat, the first user of a workspace becomes its admin."""
    roles = ["user"] if any_admin_exists(session) else ["admin", "user"]
    if user_by_username(session, username.strip()) is not None or _email_taken(session, email):
        # One answer for a taken name and a taken address: registration tells nobody which exists.
        raise ApiError("error-field-unavailable", "This username or email cannot be used")
    return create_user(
        session,
        passwords=passwords,
        username=username,
        email=email,
        password=password,
        name=name,
        roles=roles,
    )


def update_user(
    session: Session,
    *,
    passwords: Passwords,
    user: User,
    username: str | None = None,
    email: str | None = None,
    password: str | None = None,
    name: str | None = None,
    active: bool | None = None,
    roles: Iterable[str] | None = None,
    email_verified: bool | None = None,
    require_password_change: bool | None = None,
    status_text: str | None = None,
) -> User:
    previous_username, previous_roles = user.username, user.role_ids
    if username is not None:
        user.username = _check_username(session, username, current=user)
    if email is not None:
        new_address = _check_email(session, email, current=user)
        if new_address != user.email:
            user.email = new_address
            user.email_verified = False
    if email_verified is not None:
        user.email_verified = email_verified
    if name is not None:
        user.name = name.strip()
    if password is not None:
        user.password_hash = passwords.hash(check_password(session, password))
        # A changed password ends every other session, as Rocket.Chat's "logout other clients".
        session.execute(delete(LoginToken).where(LoginToken.user_id == user.id))
    if require_password_change is not None:
        user.require_password_change = require_password_change
    if status_text is not None:
        user.status_text = _check_status_text(status_text)
    if roles is not None:
        new_roles = _load_roles(session, roles)
        if "admin" in user.role_ids and "admin" not in {role.id for role in new_roles}:
            _refuse_removing_last_admin(session)
        user.roles = new_roles
    if active is not None and active != user.active:
        if not active and "admin" in user.role_ids:
            _refuse_removing_last_admin(session)
        user.active = active
        if not active:
            session.execute(delete(LoginToken).where(LoginToken.user_id == user.id))
    session.flush()
    send_event_on_commit(
        session, UserChanged(op="updated", user_id=user.id, renamed=user.username != previous_username)
    )
    # A role given or taken here is told like one given or taken alone (Rocket.Chat's syncUserRoles).
    current_roles = user.role_ids
    for role_id in [role for role in current_roles if role not in previous_roles]:
        send_event_on_commit(session, RolesChanged(op="added", role_id=role_id, user_id=user.id))
    for role_id in [role for role in previous_roles if role not in current_roles]:
        send_event_on_commit(session, RolesChanged(op="removed", role_id=role_id, user_id=user.id))
    return user


def _refuse_removing_last_admin(session: Session) -> None:
    if count_users_in_role(session, "admin") <= 1:
        raise ApiError("error-action-not-allowed", "Leaving the app without admins is not allowed")


def delete_user(session: Session, *, user: User) -> None:
    if "admin" in user.role_ids:
        _refuse_removing_last_admin(session)
    user_id = user.id
    session.delete(user)
    session.flush()
    send_event_on_commit(session, UserChanged(op="deleted", user_id=user_id))


def _check_status_text(text: str) -> str:
    if len(text) > MAX_STATUS_TEXT:
        raise ApiError(
            "error-status-text-too-long",
            f"The status message cannot be longer than {MAX_STATUS_TEXT} characters",
        )
    return text.strip()


def set_user_status(session: Session, *, user: User, status: str | None, message: str | None) -> User:
    """The status a user chooses (users.setStatus): shown now, and the one it returns to when it
    connects again (``actions/presence``)."""
    if status is not None:
        if status not in USER_STATUSES:
            raise ApiError(
                "error-invalid-status", "Valid status types include online, away, offline, and busy."
            )
        user.status_default = status
    if message is not None:
        user.status_text = _check_status_text(message)
    return change_status(session, user=user, status=status)


def change_status(session: Session, *, user: User, status: str | None) -> User:
    """Show ``status`` (None: keep it) and tell everyone who follows the user's presence."""
    if status is not None and status != user.status:
        user.status = status
        user.status_changed_at = utcnow()
    session.flush()
    send_event_on_commit(
        session,
        UserStatusChanged(
            user_id=user.id, username=user.username, status=user.status, status_text=user.status_text
        ),
    )
    return user


def issue_login_token(session: Session, *, user: User) -> str:
    """Create a login and return its token: the only moment the raw token exists on our side."""
    token = new_login_token()
    session.add(LoginToken(user_id=user.id, token_hash=hash_token(token)))
    user.last_login = utcnow()
    session.flush()
    return token


def revoke_login_token(session: Session, *, token: str) -> None:
    session.execute(delete(LoginToken).where(LoginToken.token_hash == hash_token(token)))


def add_user_to_role(session: Session, *, user: User, role: Role) -> None:
    if role.id not in user.role_ids:
        user.roles = [*user.roles, role]
        session.flush()
        send_event_on_commit(session, RolesChanged(op="added", role_id=role.id, user_id=user.id))


def remove_user_from_role(session: Session, *, user: User, role: Role) -> None:
    if role.id not in user.role_ids:
        raise ApiError("error-user-not-in-role", "This user is not in this role")
    if role.id == "admin":
        _refuse_removing_last_admin(session)
    user.roles = [existing for existing in user.roles if existing.id != role.id]
    session.flush()
    send_event_on_commit(session, RolesChanged(op="removed", role_id=role.id, user_id=user.id))


def log_in(
    session: Session, *, passwords: Passwords, identity: str, password_digest: str
) -> tuple[User, str]:
    """Check the credentials and open a login. Every failure looks the same to the caller."""
    user = user_by_email(session, identity) if "@" in identity else user_by_username(session, identity)
    # An unknown or inactive user's password is checked too (against nothing): the same time for all.
    password_hash = user.password_hash if user is not None and user.active else None
    if not passwords.verify_digest(password_hash, password_digest) or user is None:
        raise Unauthorized("Unauthorized")
    return user, issue_login_token(session, user=user)
