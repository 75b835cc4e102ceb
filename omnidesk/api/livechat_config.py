"""The body of ``livechat/config``: what the widget needs to draw itself (and, given a token, its visitor)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from omnidesk.access import widget_visitor
from omnidesk.actions.messages import MAX_MESSAGE_LENGTH
from omnidesk.actions.routing import any_agent_available, queue_places
from omnidesk.models import User
from omnidesk.queries.business_hours import department_open
from omnidesk.queries.departments import widget_departments
from omnidesk.queries.settings import setting_value
from omnidesk.queries.triggers import enabled_triggers
from omnidesk.queries.visitors import open_room_of_visitor
from omnidesk.shapes.livechat import room_shape, visitor_shape


def widget_config(session: Session, *, token: str | None, department_id: str | None) -> dict[str, Any]:
    def value(setting_id: str) -> Any:
        return setting_value(session, setting_id)

    departments = widget_departments(session)
    limit = value("Livechat_message_character_limit")
    config: dict[str, Any] = {
        "enabled": bool(value("Livechat_enabled")),
        "online": department_open(session, department_id)
        and any_agent_available(session, department_id=department_id),
        "settings": {
            "registrationForm": bool(value("Livechat_registration_form")),
            "nameFieldRegistrationForm": bool(value("Livechat_name_field_registration_form")),
            "emailFieldRegistrationForm": bool(value("Livechat_email_field_registration_form")),
            "displayOfflineForm": bool(value("Livechat_display_offline_form")),
            "transcript": bool(value("Livechat_enable_transcript")),
            "agentHiddenInfo": not value("Livechat_show_agent_info"),
            "allowSwitchingDepartments": True,
            "fileUpload": bool(value("Livechat_fileupload_enabled") and value("FileUpload_Enabled")),
            "videoCall": False,
            "historyMonitorType": "url",
            "forceAcceptDataProcessingConsent": False,
            "showConnecting": False,
            "clearLocalStorageWhenChatEnded": False,
            # Rocket.Chat's: false without a limit, else the limit (or the largest message allowed).
            "limitTextLength": (limit or MAX_MESSAGE_LENGTH)
            if value("Livechat_enable_message_character_limit")
            else False,
            "hiddenSystemMessages": list(value("Livechat_hide_system_messages") or []),
            "hideWatermark": bool(value("Livechat_hide_watermark")),
            "visitorsCanCloseChat": bool(value("Omnichannel_allow_visitors_to_close_conversation")),
        },
        "theme": {
            "title": value("Livechat_title"),
            "color": value("Livechat_title_color"),
            "offlineTitle": value("Livechat_offline_title"),
            "offlineColor": value("Livechat_offline_title_color"),
            "position": value("Livechat_widget_position") or "right",
            "background": value("Livechat_background"),
            "actionLinks": {"webrtc": [], "jitsi": []},
        },
        "messages": {
            "offlineMessage": value("Livechat_offline_message"),
            "offlineSuccessMessage": value("Livechat_offline_success_message"),
            "offlineUnavailableMessage": value("Livechat_offline_form_unavailable"),
            "conversationFinishedMessage": value("Livechat_conversation_finished_message"),
            "conversationFinishedText": value("Livechat_conversation_finished_text"),
            "transcriptMessage": value("Livechat_transcript_message"),
            "registrationFormMessage": value("Livechat_registration_form_message"),
            "dataProcessingConsentText": "",
        },
        # Rocket.Chat's widget runs these itself: the enabled triggers, without their names.
        "triggers": [
            {"_id": t.id, "actions": t.actions, "conditions": t.conditions, "runOnce": t.run_once}
            for t in enabled_triggers(session)
        ],
        "survey": {"items": [], "values": []},
        "departments": [
            {
                "_id": department.id,
                "name": department.name,
                "showOnRegistration": department.show_on_registration,
                "showOnOfflineForm": department.show_on_offline_form,
            }
            for department in departments
        ],
        "resources": {"sound": ""},
    }
    visitor = widget_visitor(session, token)
    if visitor is not None:
        config["guest"] = visitor_shape(visitor)
        room = open_room_of_visitor(session, visitor.id)
        if room is not None:
            config["room"] = room_shape(room)
            place = queue_places(session, {room.id}).get(room.id)
            if place is not None:  # Rocket.Chat's queueInfo: where a waiting visitor stands
                config["queueInfo"] = place
            agent = session.get(User, room.served_by_id) if room.served_by_id else None
            if agent is not None and value("Livechat_show_agent_info"):
                config["agent"] = {"_id": agent.id, "username": agent.username, "name": agent.name}
                if value("Livechat_show_agent_email") and agent.email:
                    config["agent"]["emails"] = [{"address": agent.email}]
    return config
