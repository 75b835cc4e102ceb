"""The roles, permission grants and settings a new workspace starts with.

They are data: ``ensure_defaults`` inserts what is missing and never overwrites what an admin changed,
so later releases can add permissions and settings without a migration. Grants follow Rocket.Chat's
defaults (``apps/meteor/app/authorization/server/constant/permissions.ts`` and the EE list).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ROLES: dict[str, str] = {
    "admin": "Administrator: every right in the workspace",
    "livechat-manager": "Omnichannel manager: sees and manages every chat, contact, agent and department",
    "livechat-monitor": "Omnichannel monitor: oversees chats and agents",
    "livechat-agent": "Omnichannel agent: serves chats and calls",
    "user": "A registered user",
}

ADMIN = ("admin",)
MANAGERS = ("admin", "livechat-manager")
SUPERVISORS = ("admin", "livechat-manager", "livechat-monitor")
OMNICHANNEL_STAFF = ("admin", "livechat-manager", "livechat-monitor", "livechat-agent")

# permission id -> (group, roles granted by default)
PERMISSIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    # administration
    "access-permissions": ("administration", ADMIN),
    "assign-roles": ("administration", ADMIN),
    "view-privileged-setting": ("administration", ADMIN),
    "edit-privileged-setting": ("administration", ADMIN),
    "create-user": ("administration", ADMIN),
    "view-user-administration": ("administration", ADMIN),
    "view-full-other-user-info": ("administration", ADMIN),
    "edit-other-user-info": ("administration", ADMIN),
    "edit-other-user-active-status": ("administration", ADMIN),
    "edit-other-user-password": ("administration", ADMIN),
    "delete-user": ("administration", ADMIN),
    "view-d-room": ("administration", ("admin", "user")),
    # omnichannel: contact center
    "view-omnichannel-contact-center": ("omnichannel", OMNICHANNEL_STAFF),
    "view-livechat-contact": ("omnichannel", OMNICHANNEL_STAFF),
    "create-livechat-contact": ("omnichannel", OMNICHANNEL_STAFF),
    "update-livechat-contact": ("omnichannel", OMNICHANNEL_STAFF),
    "delete-livechat-contact": ("omnichannel", MANAGERS),
    "view-livechat-contact-audit": ("omnichannel", MANAGERS),
    # Omnidesk's: what is held about a person, and erasing them (privacy requests); admins by default.
    "export-livechat-contact": ("omnichannel", ADMIN),
    "erase-livechat-contact": ("omnichannel", ADMIN),
    "merge-livechat-contacts": ("omnichannel", MANAGERS),
    "view-livechat-contact-history": ("omnichannel", OMNICHANNEL_STAFF),
    "block-livechat-contact": ("omnichannel", OMNICHANNEL_STAFF),
    "unblock-livechat-contact": ("omnichannel", OMNICHANNEL_STAFF),
    "edit-omnichannel-contact": ("omnichannel", ("admin", "livechat-manager", "livechat-agent")),
    # omnichannel: rooms
    "view-l-room": ("omnichannel", OMNICHANNEL_STAFF),
    "view-livechat-rooms": ("omnichannel", SUPERVISORS),
    "view-livechat-queue": ("omnichannel", OMNICHANNEL_STAFF),
    "view-livechat-current-chats": ("omnichannel", SUPERVISORS),
    "close-livechat-room": ("omnichannel", OMNICHANNEL_STAFF),
    "close-others-livechat-room": ("omnichannel", SUPERVISORS),
    "on-hold-livechat-room": ("omnichannel", OMNICHANNEL_STAFF),
    "on-hold-others-livechat-room": ("omnichannel", SUPERVISORS),
    "transfer-livechat-guest": ("omnichannel", OMNICHANNEL_STAFF),
    "save-others-livechat-room-info": ("omnichannel", SUPERVISORS),
    "remove-closed-livechat-room": ("omnichannel", MANAGERS),
    "remove-closed-livechat-rooms": ("omnichannel", SUPERVISORS),
    "view-livechat-room-closed-same-department": ("omnichannel", SUPERVISORS),
    "view-livechat-room-closed-by-another-agent": ("omnichannel", SUPERVISORS),
    "edit-others-livechat-messages": ("omnichannel", MANAGERS),  # edit or delete someone else's message
    "view-livechat-room-customfields": ("omnichannel", OMNICHANNEL_STAFF),
    "edit-livechat-room-customfields": ("omnichannel", OMNICHANNEL_STAFF),
    "send-omnichannel-chat-transcript": ("omnichannel", ("admin", "livechat-manager", "livechat-agent")),
    "request-pdf-transcript": ("omnichannel", OMNICHANNEL_STAFF),
    # omnichannel: administration
    "view-livechat-manager": ("omnichannel", SUPERVISORS),
    "manage-livechat-agents": ("omnichannel", SUPERVISORS),
    "manage-livechat-managers": ("omnichannel", MANAGERS),
    "manage-livechat-departments": ("omnichannel", SUPERVISORS),
    "view-livechat-departments": ("omnichannel", SUPERVISORS),
    "add-livechat-department-agents": ("omnichannel", SUPERVISORS),
    "remove-livechat-department": ("omnichannel", MANAGERS),
    "view-livechat-customfields": ("omnichannel", SUPERVISORS),
    "edit-livechat-customfields": ("omnichannel", MANAGERS),
    "manage-livechat-tags": ("omnichannel", MANAGERS),
    "manage-livechat-priorities": ("omnichannel", MANAGERS),
    "view-livechat-business-hours": ("omnichannel", SUPERVISORS),
    "manage-livechat-sla": ("omnichannel", MANAGERS),
    "view-livechat-analytics": ("omnichannel", SUPERVISORS),
    "view-livechat-real-time-monitoring": ("omnichannel", SUPERVISORS),
    "edit-livechat-settings": ("omnichannel", MANAGERS),
    # The widget's look and its proactive triggers: Rocket.Chat's page permissions (view-) and Omnidesk's
    # for changing them (manage-); Rocket.Chat lets view-livechat-manager, which monitors hold, do both.
    "view-livechat-appearance": ("omnichannel", MANAGERS),
    "manage-livechat-appearance": ("omnichannel", MANAGERS),
    "view-livechat-triggers": ("omnichannel", MANAGERS),
    "manage-livechat-triggers": ("omnichannel", MANAGERS),
    "view-livechat-webhooks": ("omnichannel", MANAGERS),  # the webhook's settings and its test
    # Canned responses (Rocket.Chat's EE grants): everyone serving chats uses and keeps their own;
    # managers see and change all of them; monitors also keep their departments' responses.
    "view-canned-responses": ("omnichannel", OMNICHANNEL_STAFF),
    "view-all-canned-responses": ("omnichannel", MANAGERS),
    "save-canned-responses": ("omnichannel", OMNICHANNEL_STAFF),
    "save-all-canned-responses": ("omnichannel", MANAGERS),
    "save-department-canned-responses": ("omnichannel", ("livechat-monitor",)),
    "remove-canned-responses": ("omnichannel", OMNICHANNEL_STAFF),
    # omnichannel: calls (the Calls tab itself is gated by view-l-room, as in Rocket.Chat)
    "inbound-voip-calls": ("omnichannel", OMNICHANNEL_STAFF),  # log and wrap up one's own calls
    "manage-others-voice-calls": ("omnichannel", MANAGERS),  # log or wrap up calls another agent handled
    "send-voice-call-events": ("omnichannel", MANAGERS),  # PBX and dialer integrations: calls.event
    "manage-voice-lines": ("omnichannel", ADMIN),
    "manage-email-inbox": ("omnichannel", ADMIN),  # Rocket.Chat's name and default grant
    "manage-messaging-channels": ("omnichannel", ADMIN),  # SMS and WhatsApp accounts
}


@dataclass(frozen=True)
class SettingDefault:
    type: str
    value: Any
    group: str
    public: bool = False
    values: tuple[str, ...] = field(default=())  # allowed keys of a "select" or "multiSelect"


SETTINGS: dict[str, SettingDefault] = {
    "Site_Name": SettingDefault("string", "Omnidesk", "General", public=True),
    # Disabled by default (Rocket.Chat: Public): only the very first user registers, and becomes admin.
    "Accounts_RegistrationForm": SettingDefault(
        "select", "Disabled", "Accounts", public=True, values=("Public", "Disabled")
    ),
    "Block_Multiple_Failed_Logins_Enabled": SettingDefault("boolean", True, "Accounts"),
    "Block_Multiple_Failed_Logins_Attempts_Until_Block_by_User": SettingDefault("int", 10, "Accounts"),
    "Block_Multiple_Failed_Logins_Time_To_Unblock_By_User_In_Minutes": SettingDefault("int", 5, "Accounts"),
    "Block_Multiple_Failed_Logins_Attempts_Until_Block_By_Ip": SettingDefault("int", 50, "Accounts"),
    "Block_Multiple_Failed_Logins_Time_To_Unblock_By_Ip_In_Minutes": SettingDefault("int", 5, "Accounts"),
    "Block_Multiple_Failed_Logins_Ip_Whitelist": SettingDefault("string", "", "Accounts"),
    "Accounts_Password_Policy_Enabled": SettingDefault("boolean", True, "Accounts"),
    "Accounts_Password_Policy_MinLength": SettingDefault("int", 8, "Accounts"),
    "Accounts_Password_Policy_MaxLength": SettingDefault("int", 256, "Accounts"),
    "Accounts_Password_Policy_ForbidRepeatingCharacters": SettingDefault("boolean", True, "Accounts"),
    "Accounts_Password_Policy_ForbidRepeatingCharactersCount": SettingDefault("int", 4, "Accounts"),
    "Accounts_Password_Policy_AtLeastOneLowercase": SettingDefault("boolean", False, "Accounts"),
    "Accounts_Password_Policy_AtLeastOneUppercase": SettingDefault("boolean", False, "Accounts"),
    "Accounts_Password_Policy_AtLeastOneNumber": SettingDefault("boolean", False, "Accounts"),
    "Accounts_Password_Policy_AtLeastOneSpecialCharacter": SettingDefault("boolean", False, "Accounts"),
    "Livechat_enabled": SettingDefault("boolean", True, "Omnichannel", public=True),
    "Livechat_fileupload_enabled": SettingDefault("boolean", True, "Omnichannel", public=True),
    # Rocket.Chat's File Upload group; -1 as the largest size means no limit but OMNIDESK_MAX_UPLOAD_BYTES.
    "FileUpload_Enabled": SettingDefault("boolean", True, "FileUpload", public=True),
    "FileUpload_MaxFileSize": SettingDefault("int", 104857600, "FileUpload", public=True),
    "FileUpload_MediaTypeWhiteList": SettingDefault("string", "", "FileUpload", public=True),
    "FileUpload_MediaTypeBlackList": SettingDefault("string", "image/svg+xml", "FileUpload", public=True),
    "Livechat_title": SettingDefault("string", "Omnidesk", "Omnichannel", public=True),
    "Livechat_title_color": SettingDefault("string", "#1D74F5", "Omnichannel", public=True),
    "Livechat_Routing_Method": SettingDefault(
        "select", "Auto_Selection", "Omnichannel", values=("Auto_Selection", "Manual_Selection")
    ),
    "Livechat_accept_chats_with_no_agents": SettingDefault("boolean", False, "Omnichannel"),
    "Omnichannel_contact_manager_routing": SettingDefault("boolean", True, "Omnichannel"),
    # On by default (Rocket.Chat: off): departments could always be deleted here before the setting came.
    "Omnichannel_enable_department_removal": SettingDefault("boolean", True, "Omnichannel", public=True),
    "Livechat_Require_Contact_Verification": SettingDefault(
        "select", "never", "Omnichannel", values=("never", "once", "always")
    ),
    # Verification codes sent (email or SMS) in any 60 minutes, per address or number and per visitor (at
    # least 1).
    "Livechat_verification_codes_per_address_per_hour": SettingDefault("int", 5, "Omnichannel"),
    "Livechat_verification_codes_per_visitor_per_hour": SettingDefault("int", 5, "Omnichannel"),
    # What visitors may upload (actions/upload_quotas.py), per visitor and per client address (an IPv6
    # address by its /64), at least 1 each.
    "Livechat_visitor_uploads_per_hour": SettingDefault("int", 30, "FileUpload"),
    "Livechat_uploads_per_address_per_hour": SettingDefault("int", 120, "FileUpload"),
    "Livechat_visitor_upload_megabytes_per_day": SettingDefault("int", 200, "FileUpload"),
    "Livechat_upload_megabytes_per_address_per_day": SettingDefault("int", 1000, "FileUpload"),
    "Livechat_Block_Unknown_Contacts": SettingDefault("boolean", False, "Omnichannel"),
    "Livechat_Block_Unverified_Contacts": SettingDefault("boolean", False, "Omnichannel"),
    "Livechat_registration_form": SettingDefault("boolean", True, "Omnichannel", public=True),
    "Livechat_name_field_registration_form": SettingDefault("boolean", True, "Omnichannel", public=True),
    "Livechat_email_field_registration_form": SettingDefault("boolean", True, "Omnichannel", public=True),
    "Livechat_display_offline_form": SettingDefault("boolean", True, "Omnichannel", public=True),
    "Livechat_offline_title": SettingDefault("string", "Leave a message", "Omnichannel", public=True),
    "Livechat_offline_message": SettingDefault(
        "string",
        "We are not online right now. Leave a message and we will reply by email.",
        "Omnichannel",
        public=True,
    ),
    "Livechat_offline_success_message": SettingDefault(
        "string", "Thank you. We will get back to you soon.", "Omnichannel", public=True
    ),
    "Livechat_offline_email": SettingDefault("string", "", "Omnichannel"),
    "Livechat_enable_transcript": SettingDefault("boolean", True, "Omnichannel", public=True),
    "Livechat_transcript_message": SettingDefault(
        "string", "Would you like a copy of this chat emailed?", "Omnichannel", public=True
    ),
    "Livechat_show_agent_info": SettingDefault("boolean", True, "Omnichannel", public=True),
    "Livechat_show_agent_email": SettingDefault("boolean", False, "Omnichannel", public=True),
    "Livechat_conversation_finished_message": SettingDefault("string", "", "Omnichannel", public=True),
    "Livechat_conversation_finished_text": SettingDefault("string", "", "Omnichannel", public=True),
    # The widget's appearance (livechat/appearance): Rocket.Chat's ids, types and defaults. Colours are
    # strings holding a CSS hex colour (Rocket.Chat's "color" type; checked by actions/settings).
    "Livechat_offline_title_color": SettingDefault("string", "#666666", "Omnichannel", public=True),
    "Livechat_offline_form_unavailable": SettingDefault("string", "", "Omnichannel", public=True),
    "Livechat_enable_message_character_limit": SettingDefault("boolean", False, "Omnichannel", public=True),
    "Livechat_message_character_limit": SettingDefault("int", 0, "Omnichannel", public=True),
    "Livechat_registration_form_message": SettingDefault("string", "", "Omnichannel", public=True),
    "Livechat_widget_position": SettingDefault(
        "select", "right", "Omnichannel", public=True, values=("left", "right")
    ),
    "Livechat_background": SettingDefault("string", "", "Omnichannel", public=True),
    "Livechat_hide_watermark": SettingDefault("boolean", False, "Omnichannel", public=True),
    "Livechat_hide_system_messages": SettingDefault(
        "multiSelect",
        ["uj", "ul", "livechat-close"],
        "Omnichannel",
        public=True,
        values=("uj", "ul", "livechat-close", "livechat-started", "livechat_transfer_history"),
    ),
    "Omnichannel_allow_visitors_to_close_conversation": SettingDefault(
        "boolean", True, "Omnichannel", public=True
    ),
    # Whether agents put chats on hold themselves (room.onHold; the inactivity rule holds chats either
    # way), and, with the second, only once the agent has answered: not while the visitor wrote last.
    # Public, as Rocket.Chat's: its agent clients read them to offer the action.
    "Livechat_allow_manual_on_hold": SettingDefault("boolean", True, "Omnichannel", public=True),
    "Livechat_allow_manual_on_hold_upon_agent_engagement_only": SettingDefault(
        "boolean", True, "Omnichannel", public=True
    ),
    # Chat limits (Rocket.Chat's waiting queue): with it on, an agent serves at most its own limit, else
    # the workspace's (0: none), and at most its department's limit of that department's chats; chats on
    # hold do not count. Chats wait in the queue until someone has room for them.
    "Livechat_waiting_queue": SettingDefault("boolean", False, "Omnichannel"),
    "Livechat_maximum_chats_per_agent": SettingDefault("int", 0, "Omnichannel"),
    # Whether an agent whose presence is "away" still gets new chats.
    "Livechat_enabled_when_agent_idle": SettingDefault("boolean", True, "Omnichannel"),
    # What happens to an agent's open chats once it has been offline for the timeout (seconds).
    "Livechat_agent_leave_action": SettingDefault(
        "select", "none", "Omnichannel", values=("none", "forward", "close")
    ),
    "Livechat_agent_leave_action_timeout": SettingDefault("int", 60, "Omnichannel"),
    "Livechat_agent_leave_comment": SettingDefault("string", "", "Omnichannel"),
    # Inactivity rules: chats whose visitor stopped answering are closed or put on hold after the timeout
    # (seconds); chats their agent has not answered move on after the auto-transfer timeout (0: off).
    "Livechat_abandoned_rooms_action": SettingDefault(
        "select", "none", "Omnichannel", values=("none", "close", "on-hold")
    ),
    "Livechat_visitor_inactivity_timeout": SettingDefault("int", 3600, "Omnichannel"),
    "Livechat_abandoned_rooms_closed_custom_message": SettingDefault("string", "", "Omnichannel"),
    "Livechat_auto_transfer_chat_timeout": SettingDefault("int", 0, "Omnichannel"),
    # Business hours: off, one set for everyone (Single) or per department (Multiple).
    "Livechat_enable_business_hours": SettingDefault("boolean", False, "Omnichannel"),
    "Livechat_business_hour_type": SettingDefault(
        "select", "Single", "Omnichannel", values=("Single", "Multiple")
    ),
    # National phone numbers are read in the region of the line they came through, else the contact's
    # country (the contact custom field this names, holding an ISO 3166 code), else the default region.
    "Omnichannel_Default_Phone_Region": SettingDefault("string", "US", "Omnichannel"),
    "Omnichannel_Contact_Country_Field": SettingDefault("string", "", "Omnichannel"),
    # The livechat webhook (Rocket.Chat's CRM integration): the events switched on are POSTed to the URL
    # (http or https; empty sends nothing) with the secret token in X-RocketChat-Livechat-Token, each
    # attempt given the timeout (milliseconds). Rocket.Chat's ids and defaults.
    "Livechat_webhookUrl": SettingDefault("string", "", "Omnichannel"),
    "Livechat_secret_token": SettingDefault("string", "", "Omnichannel"),
    "Livechat_http_timeout": SettingDefault("int", 5000, "Omnichannel"),
    "Livechat_webhook_on_start": SettingDefault("boolean", False, "Omnichannel"),
    "Livechat_webhook_on_close": SettingDefault("boolean", False, "Omnichannel"),
    "Livechat_webhook_on_chat_taken": SettingDefault("boolean", False, "Omnichannel"),
    "Livechat_webhook_on_chat_queued": SettingDefault("boolean", False, "Omnichannel"),
    "Livechat_webhook_on_forward": SettingDefault("boolean", False, "Omnichannel"),
    "Livechat_webhook_on_offline_msg": SettingDefault("boolean", False, "Omnichannel"),
    "Livechat_webhook_on_visitor_message": SettingDefault("boolean", False, "Omnichannel"),
    "Livechat_webhook_on_agent_message": SettingDefault("boolean", False, "Omnichannel"),
    "Livechat_webhook_on_capture": SettingDefault("boolean", False, "Omnichannel"),
    # An extension: a chat whose SLA came due before an agent answered it.
    "Livechat_webhook_on_sla_overdue": SettingDefault("boolean", False, "Omnichannel"),
    # Lead capture: an email address or phone number a visitor writes completes the visitor (regular
    # expressions; empty captures nothing).
    "Livechat_lead_email_regex": SettingDefault(
        "string", r"\b[A-Z0-9._%+-]+@(?:[A-Z0-9-]+\.)+[A-Z]{2,4}\b", "Omnichannel"
    ),
    "Livechat_lead_phone_regex": SettingDefault(
        "string",
        r"((?:\([0-9]{1,3}\)|[0-9]{2})[ \-]*?[0-9]{4,5}(?:[\-\s\_]{1,2})?[0-9]{4}(?:(?=[^0-9])|$)"
        r"|[0-9]{4,5}(?:[\-\s\_]{1,2})?[0-9]{4}(?:(?=[^0-9])|$))",
        "Omnichannel",
    ),
    # Outbound email. An empty host turns delivery off: queued emails wait until one is set.
    "SMTP_Host": SettingDefault("string", "", "Email"),
    "SMTP_Port": SettingDefault("int", 25, "Email"),
    "SMTP_Username": SettingDefault("string", "", "Email"),
    "SMTP_Password": SettingDefault("string", "", "Email"),
    "SMTP_Security": SettingDefault("select", "none", "Email", values=("none", "starttls", "ssl")),
    "From_Email": SettingDefault("string", "Omnidesk <no-reply@example.com>", "Email"),
}

# What ``livechat/appearance`` reads and writes, in Rocket.Chat's order (its ``findAppearance`` and the
# POST's list of valid ids): any other id is refused there.
APPEARANCE_SETTINGS: tuple[str, ...] = (
    "Livechat_title",
    "Livechat_title_color",
    "Livechat_enable_message_character_limit",
    "Livechat_message_character_limit",
    "Livechat_show_agent_info",
    "Livechat_show_agent_email",
    "Livechat_display_offline_form",
    "Livechat_offline_form_unavailable",
    "Livechat_offline_message",
    "Livechat_offline_success_message",
    "Livechat_offline_title",
    "Livechat_offline_title_color",
    "Livechat_offline_email",
    "Livechat_conversation_finished_message",
    "Livechat_registration_form",
    "Livechat_name_field_registration_form",
    "Livechat_email_field_registration_form",
    "Livechat_registration_form_message",
    "Livechat_conversation_finished_text",
    "Livechat_hide_watermark",
    "Livechat_background",
    "Livechat_widget_position",
    "Livechat_hide_system_messages",
    "Omnichannel_allow_visitors_to_close_conversation",
)
