"""The administration pages: agents, managers, departments, custom fields, tags, priorities, voice lines
and the omnichannel settings. Each is gated by the permission of its sidebar entry (``NAVIGATION``).

The pages are shells; their scripts (``static/admin-*.js``) list and change data through the REST API.
The settings page is the exception that renders values itself: managers may change the omnichannel
settings but ``GET settings/{id}`` shows non-public ones only to admins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from omnidesk.access import Actor
from omnidesk.http.deps import SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.queries.settings import setting_value
from omnidesk.web.render import NAVIGATION, page_actor, render

router = APIRouter(route_class=OneThreadRoute, include_in_schema=False)


def forbidden(request: Request, session: Session, actor: Actor) -> HTMLResponse:
    return render(request, "admin/forbidden.html", session=session, actor=actor, status_code=403)


def _permission_of(path: str) -> str | tuple[str, ...]:
    return next(entry.permission for entry in NAVIGATION if entry.href == path)


def _allowed(session: Session, actor: Actor, permission: str | tuple[str, ...]) -> bool:
    needed = (permission,) if isinstance(permission, str) else permission
    return any(actor.can(session, name) for name in needed)


@dataclass(frozen=True)
class AdminPage:
    template: str
    title: str


PAGES = {
    "agents": AdminPage("admin/staff.html", "Agents"),
    "managers": AdminPage("admin/staff.html", "Managers"),
    "departments": AdminPage("admin/departments.html", "Departments"),
    "custom-fields": AdminPage("admin/custom_fields.html", "Custom fields"),
    "tags": AdminPage("admin/tags.html", "Tags"),
    "priorities": AdminPage("admin/priorities.html", "Priorities"),
    "voice-lines": AdminPage("admin/voice_lines.html", "Voice lines"),
}


@dataclass(frozen=True)
class SettingField:
    id: str
    label: str
    kind: str  # "select", "boolean", "text", "textarea", "int", "color", "password", "email"
    help: str = ""
    options: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class SettingSection:
    title: str
    permission: str
    fields: tuple[SettingField, ...] = field(default=())


SETTING_SECTIONS = (
    SettingSection(
        "Routing",
        "edit-livechat-settings",
        (
            SettingField(
                "Livechat_Routing_Method",
                "Routing method",
                "select",
                "How a new chat finds its agent.",
                (
                    ("Auto_Selection", "Auto selection: the least busy available agent"),
                    ("Manual_Selection", "Manual selection: agents take chats from the queue"),
                ),
            ),
            SettingField(
                "Livechat_accept_chats_with_no_agents",
                "Accept chats when no agent is online",
                "boolean",
                "New chats wait in the queue instead of being refused.",
            ),
            SettingField(
                "Omnichannel_contact_manager_routing",
                "Assign new conversations to the contact manager",
                "boolean",
                "When the contact's manager is available, the chat or call goes to them first.",
            ),
        ),
    ),
    SettingSection(
        "Chat widget",
        "edit-livechat-settings",
        (
            SettingField("Livechat_enabled", "Chat widget enabled", "boolean"),
            SettingField("Livechat_title", "Title", "text"),
            SettingField("Livechat_title_color", "Colour", "color"),
            SettingField(
                "Livechat_display_offline_form", "Show the offline form when nobody is online", "boolean"
            ),
            SettingField("Livechat_offline_title", "Offline title", "text"),
            SettingField("Livechat_offline_message", "Offline message", "textarea"),
            SettingField("Livechat_offline_success_message", "Offline form: thank-you message", "textarea"),
            SettingField(
                "Livechat_offline_email",
                "Send offline messages to",
                "email",
                "When a department has no email.",
            ),
            SettingField(
                "Livechat_enable_transcript", "Visitors may ask for a transcript by email", "boolean"
            ),
            SettingField("Livechat_transcript_message", "Transcript question", "text"),
            SettingField("Livechat_show_agent_info", "Show the agent's name to visitors", "boolean"),
            SettingField("Livechat_conversation_finished_message", "Message when a chat ends", "textarea"),
        ),
    ),
    SettingSection(
        "Webhook (CRM integration)",
        "edit-livechat-settings",
        (
            SettingField(
                "Livechat_webhookUrl",
                "Webhook URL",
                "text",
                "The events switched on below are POSTed here as JSON (http or https). Empty sends nothing.",
            ),
            SettingField(
                "Livechat_secret_token",
                "Secret token",
                "password",
                "Sent in the X-RocketChat-Livechat-Token header. Leave empty to keep the saved token.",
            ),
            SettingField("Livechat_http_timeout", "Timeout (milliseconds)", "int", "From 1000 to 20000."),
            SettingField("Livechat_webhook_on_start", "Send when a chat starts", "boolean"),
            SettingField("Livechat_webhook_on_chat_queued", "Send when a chat waits in the queue", "boolean"),
            SettingField("Livechat_webhook_on_chat_taken", "Send when an agent takes a chat", "boolean"),
            SettingField("Livechat_webhook_on_forward", "Send when a chat is forwarded", "boolean"),
            SettingField("Livechat_webhook_on_close", "Send when a chat closes", "boolean"),
            SettingField("Livechat_webhook_on_visitor_message", "Send visitors' messages", "boolean"),
            SettingField("Livechat_webhook_on_agent_message", "Send agents' messages", "boolean"),
            SettingField("Livechat_webhook_on_offline_msg", "Send offline messages", "boolean"),
            SettingField(
                "Livechat_webhook_on_capture",
                "Send lead captures",
                "boolean",
                "When a visitor writes an email address or phone number the patterns below find.",
            ),
            SettingField("Livechat_lead_email_regex", "Lead capture: email pattern", "text"),
            SettingField("Livechat_lead_phone_regex", "Lead capture: phone pattern", "text"),
        ),
    ),
    SettingSection(
        "Email (SMTP)",
        "edit-privileged-setting",
        (
            SettingField("SMTP_Host", "SMTP host", "text", "Empty turns email delivery off."),
            SettingField("SMTP_Port", "SMTP port", "int"),
            SettingField(
                "SMTP_Security",
                "Security",
                "select",
                "",
                (("none", "None"), ("starttls", "STARTTLS"), ("ssl", "SSL/TLS")),
            ),
            SettingField("SMTP_Username", "Username", "text"),
            SettingField("SMTP_Password", "Password", "password", "Leave empty to keep the saved password."),
            SettingField("From_Email", "From address", "text"),
        ),
    ),
)


def _settings_context(session: Session, actor: Actor) -> list[dict[str, Any]]:
    sections = []
    for section in SETTING_SECTIONS:
        if not actor.can(session, section.permission):
            continue
        values = {
            # A saved password is never sent back to the browser.
            setting.id: "" if setting.kind == "password" else setting_value(session, setting.id)
            for setting in section.fields
        }
        sections.append({"section": section, "values": values})
    return sections


@router.get("/admin/settings")
def settings_page(request: Request, session: SessionDep) -> Response:
    actor = page_actor(request, session)
    if not _allowed(session, actor, _permission_of("/admin/settings")):
        return forbidden(request, session, actor)
    return render(
        request,
        "admin/settings.html",
        session=session,
        actor=actor,
        sections=_settings_context(session, actor),
    )


@router.get("/admin/{page}")
def admin_page(page: str, request: Request, session: SessionDep) -> Response:
    actor = page_actor(request, session)
    spec = PAGES.get(page)
    if spec is None:
        return render(request, "admin/not_found.html", session=session, actor=actor, status_code=404)
    if not _allowed(session, actor, _permission_of(f"/admin/{page}")):
        return forbidden(request, session, actor)
    return render(request, spec.template, session=session, actor=actor, page=page, title=spec.title)
