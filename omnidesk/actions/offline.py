"""Messages left on the widget's offline form."""

from __future__ import annotations

from sqlalchemy.orm import Session

from omnidesk.actions import webhooks
from omnidesk.actions.accounts import normalise_email
from omnidesk.actions.mail import queue_email
from omnidesk.errors import ApiError
from omnidesk.models import Department, OfflineMessage
from omnidesk.queries.settings import setting_value


def leave_offline_message(
    session: Session, *, name: str, email: str, message: str, department: str | None, host: str | None
) -> OfflineMessage:
    """Keep the message and email it to the department's address, else to ``Livechat_offline_email``."""
    if not setting_value(session, "Livechat_display_offline_form"):
        raise ApiError("error-offline-form-disabled", "The offline form is disabled")
    if not name.strip() or not message.strip():
        raise ApiError("error-invalid-offline-message", "Name and message are required")
    address = normalise_email(email)
    target = session.get(Department, department) if department else None
    if department and target is None:
        raise ApiError("error-invalid-department", "The selected department is invalid")
    stored = OfflineMessage(
        name=name.strip(),
        email=address,
        message=message.strip(),
        department_id=target.id if target else None,
        host=host,
    )
    session.add(stored)
    recipient = (target.email if target and target.email else None) or setting_value(
        session, "Livechat_offline_email"
    )
    if recipient:
        queue_email(
            session,
            to=str(recipient),
            subject=f"Livechat offline message from {stored.name}: {stored.message[:40]}",
            body_text=f"{stored.name} <{address}> wrote from {host or 'the widget'}:\n\n{stored.message}\n",
            reply_to=address,
        )
    session.flush()
    webhooks.offline_message_left(session, offline=stored)
    return stored
