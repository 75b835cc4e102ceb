"""The administration pages: agents, managers, departments, custom fields, tags, priorities, SLAs, voice
lines, canned responses and the omnichannel settings. Each is gated by the permission of its sidebar
entry (``NAVIGATION``).

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
    "business-hours": AdminPage("admin/business_hours.html", "Business hours"),
    "slas": AdminPage("admin/slas.html", "SLAs"),
    "voice-lines": AdminPage("admin/voice_lines.html", "Voice lines"),
    "triggers": AdminPage("admin/triggers.html", "Triggers"),
    "canned-responses": AdminPage("admin/canned_responses.html", "Canned responses"),
}


@dataclass(frozen=True)
class SettingField:
    id: str
    label: str
    kind: str  # "select", "multi", "boolean", "text", "textarea", "int", "color", "password", "email"
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
        "Queue",
        "edit-livechat-settings",
        (
            SettingField(
                "Livechat_waiting_queue",
                "Chat limits",
                "boolean",
                "Agents take at most their limit of chats at once; the rest wait in the queue.",
            ),
            SettingField(
                "Livechat_maximum_chats_per_agent",
                "Chats per agent",
                "int",
                "The workspace's limit (0: none). An agent's own limit, on the Agents page, comes first.",
            ),
            SettingField(
                "Livechat_enabled_when_agent_idle",
                "Away agents get new chats",
                "boolean",
                "Off: an agent whose status is away gets no new chats.",
            ),
            SettingField(
                "Livechat_agent_leave_action",
                "When an agent goes offline",
                "select",
                "What happens to its open chats after the timeout below.",
                (("none", "Nothing"), ("forward", "Put them back in the queue"), ("close", "Close them")),
            ),
            SettingField("Livechat_agent_leave_action_timeout", "Offline timeout (seconds)", "int"),
            SettingField("Livechat_agent_leave_comment", "Closing comment when an agent left", "text"),
            SettingField(
                "Livechat_allow_manual_on_hold",
                "Agents may put chats on hold",
                "boolean",
                "A chat on hold counts against no limit; the visitor writing resumes it.",
            ),
            SettingField(
                "Livechat_allow_manual_on_hold_upon_agent_engagement_only",
                "Only after the agent has answered",
                "boolean",
                "A chat whose last message is the visitor's cannot be put on hold.",
            ),
            SettingField(
                "Livechat_abandoned_rooms_action",
                "When a visitor stops answering",
                "select",
                "After the inactivity timeout below, counted from the agent's first unanswered reply.",
                (("none", "Nothing"), ("close", "Close the chat"), ("on-hold", "Put the chat on hold")),
            ),
            SettingField(
                "Livechat_visitor_inactivity_timeout", "Visitor inactivity timeout (seconds)", "int"
            ),
            SettingField(
                "Livechat_abandoned_rooms_closed_custom_message",
                "Closing message for abandoned chats",
                "text",
            ),
            SettingField(
                "Livechat_auto_transfer_chat_timeout",
                "Move unanswered chats after (seconds)",
                "int",
                "A chat its agent has not answered goes to another agent (0: never).",
            ),
            SettingField(
                "Livechat_enable_business_hours",
                "Business hours",
                "boolean",
                "Out of hours the widget offers the offline form and agents are not available.",
            ),
            SettingField(
                "Livechat_business_hour_type",
                "Business hours apply",
                "select",
                "",
                (("Single", "The same hours for everyone"), ("Multiple", "Per department")),
            ),
        ),
    ),
    SettingSection(
        "Chat widget",
        "edit-livechat-settings",
        (
            SettingField("Livechat_enabled", "Chat widget enabled", "boolean"),
            SettingField(
                "Livechat_enable_transcript", "Visitors may ask for a transcript by email", "boolean"
            ),
            SettingField("Livechat_transcript_message", "Transcript question", "text"),
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
                "Livechat_webhook_on_sla_overdue", "Send when a chat's SLA comes due unanswered", "boolean"
            ),
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


# The Appearance page (livechat/appearance): Rocket.Chat's sections of it. Its script reads and saves the
# values through the API, so the page holds only the fields.
APPEARANCE_SECTIONS = (
    SettingSection(
        "General",
        "view-livechat-appearance",
        (
            SettingField("Livechat_title", "Title", "text"),
            SettingField("Livechat_title_color", "Title bar colour", "color"),
            SettingField(
                "Livechat_widget_position",
                "Position on the screen",
                "select",
                "",
                (("right", "Bottom right"), ("left", "Bottom left")),
            ),
            SettingField(
                "Livechat_background",
                "Message list background",
                "text",
                "A hex colour such as #FFFFFF, or empty.",
            ),
            SettingField("Livechat_show_agent_info", "Show the agent's name to visitors", "boolean"),
            SettingField("Livechat_show_agent_email", "Show the agent's email to visitors", "boolean"),
            SettingField(
                "Livechat_enable_message_character_limit", "Limit the length of visitors' messages", "boolean"
            ),
            SettingField(
                "Livechat_message_character_limit", "Character limit", "int", "0: the largest message."
            ),
            SettingField(
                "Omnichannel_allow_visitors_to_close_conversation", "Visitors may end the chat", "boolean"
            ),
            SettingField(
                "Livechat_hide_system_messages",
                "System messages hidden from visitors",
                "multi",
                "",
                (
                    ("uj", "Someone joined"),
                    ("ul", "Someone left"),
                    ("livechat-close", "The chat was closed"),
                    ("livechat-started", "The chat started"),
                    ("livechat_transfer_history", "Transfers"),
                ),
            ),
            SettingField("Livechat_hide_watermark", 'Hide "Powered by Omnidesk"', "boolean"),
        ),
    ),
    SettingSection(
        "Offline",
        "view-livechat-appearance",
        (
            SettingField("Livechat_offline_title", "Offline title", "text"),
            SettingField("Livechat_offline_title_color", "Offline title bar colour", "color"),
            SettingField(
                "Livechat_display_offline_form", "Show the offline form when nobody is online", "boolean"
            ),
            SettingField("Livechat_offline_message", "Offline form instructions", "textarea"),
            SettingField(
                "Livechat_offline_form_unavailable", "Message when there is no offline form", "textarea"
            ),
            SettingField("Livechat_offline_success_message", "Offline form: thank-you message", "textarea"),
            SettingField(
                "Livechat_offline_email",
                "Send offline messages to",
                "email",
                "When a department has no email.",
            ),
        ),
    ),
    SettingSection(
        "Registration form",
        "view-livechat-appearance",
        (
            SettingField("Livechat_registration_form", "Ask visitors who they are before a chat", "boolean"),
            SettingField("Livechat_name_field_registration_form", "Ask for the name", "boolean"),
            SettingField("Livechat_email_field_registration_form", "Ask for the email", "boolean"),
            SettingField("Livechat_registration_form_message", "Registration form message", "textarea"),
        ),
    ),
    SettingSection(
        "Conversation finished",
        "view-livechat-appearance",
        (
            SettingField("Livechat_conversation_finished_message", "Message when a chat ends", "textarea"),
            SettingField("Livechat_conversation_finished_text", "Text below it", "textarea"),
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


@router.get("/admin/appearance")
def appearance_page(request: Request, session: SessionDep) -> Response:
    actor = page_actor(request, session)
    if not _allowed(session, actor, _permission_of("/admin/appearance")):
        return forbidden(request, session, actor)
    return render(
        request,
        "admin/appearance.html",
        session=session,
        actor=actor,
        title="Widget appearance",
        sections=APPEARANCE_SECTIONS,
        may_change=actor.can(session, "manage-livechat-appearance"),
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
