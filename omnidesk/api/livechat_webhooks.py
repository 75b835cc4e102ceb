"""The livechat webhook's settings page, as Rocket.Chat's: ``GET livechat/integrations.settings``,
``POST omnichannel/integrations`` and ``POST livechat/webhook.test``. The events themselves are queued
by the actions (``actions/webhooks``) and sent by a worker.

``webhook.test`` posts a sample to the URL while the request waits, as Rocket.Chat's does; it writes
nothing, so it runs in a read transaction (``http/deps.READING_POSTS``) and holds no write lock while
the receiver answers.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from omnidesk.access import require, require_any
from omnidesk.actions import webhook_payloads
from omnidesk.actions.settings import set_setting
from omnidesk.actions.webhooks import webhook_config
from omnidesk.api.settings import GROUP_EDIT_PERMISSIONS, setting_shape
from omnidesk.api.shapes import ok
from omnidesk.api.validation import Body
from omnidesk.channels.livechat_webhook import WebhookFailed, post_webhook
from omnidesk.db import utcnow
from omnidesk.errors import ApiError
from omnidesk.http.deps import CurrentActor, SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.models import Setting

router = APIRouter(route_class=OneThreadRoute, prefix="/api/v1", tags=["livechat webhook"])

# The integration page's settings, in Rocket.Chat's order, by the name its body gives each.
INTEGRATION_FIELDS = {
    "LivechatWebhookUrl": "Livechat_webhookUrl",
    "LivechatSecretToken": "Livechat_secret_token",
    "LivechatHttpTimeout": "Livechat_http_timeout",
    "LivechatWebhookOnStart": "Livechat_webhook_on_start",
    "LivechatWebhookOnClose": "Livechat_webhook_on_close",
    "LivechatWebhookOnChatTaken": "Livechat_webhook_on_chat_taken",
    "LivechatWebhookOnChatQueued": "Livechat_webhook_on_chat_queued",
    "LivechatWebhookOnForward": "Livechat_webhook_on_forward",
    "LivechatWebhookOnOfflineMsg": "Livechat_webhook_on_offline_msg",
    "LivechatWebhookOnVisitorMessage": "Livechat_webhook_on_visitor_message",
    "LivechatWebhookOnAgentMessage": "Livechat_webhook_on_agent_message",
}


@router.get("/livechat/integrations.settings")
def integration_settings(actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "view-livechat-manager")
    settings = [session.get(Setting, setting_id) for setting_id in INTEGRATION_FIELDS.values()]
    return ok(settings=[setting_shape(setting) for setting in settings if setting is not None])


class IntegrationsBody(Body):
    LivechatWebhookUrl: str | None = Field(default=None, max_length=2048)
    LivechatSecretToken: str | None = Field(default=None, max_length=1000)
    LivechatHttpTimeout: int | None = None
    LivechatWebhookOnStart: bool | None = None
    LivechatWebhookOnClose: bool | None = None
    LivechatWebhookOnChatTaken: bool | None = None
    LivechatWebhookOnChatQueued: bool | None = None
    LivechatWebhookOnForward: bool | None = None
    LivechatWebhookOnOfflineMsg: bool | None = None
    LivechatWebhookOnVisitorMessage: bool | None = None
    LivechatWebhookOnAgentMessage: bool | None = None


@router.post("/omnichannel/integrations")
def save_integrations(body: IntegrationsBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    """Save the fields given, all or none. Besides Rocket.Chat's ``view-livechat-manager``, changing
    settings takes the right to (``edit-livechat-settings``), which monitors lack."""
    require(session, actor, "view-livechat-manager")
    require_any(session, actor, "edit-privileged-setting", GROUP_EDIT_PERMISSIONS["Omnichannel"])
    for field, value in body.model_dump(exclude_none=True).items():
        setting = session.get(Setting, INTEGRATION_FIELDS[field])
        if setting is not None:
            set_setting(session, setting=setting, value=value)
    return ok()


@router.post("/livechat/webhook.test")
def test_webhook(actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    """Post a sample chat to the webhook now; succeed when it answers 2xx."""
    require(session, actor, "view-livechat-webhooks")
    config = webhook_config(session)
    if config is None:
        raise ApiError("Webhook_URL_not_set", "Set Livechat_webhookUrl first")
    body = webhook_payloads.serialised(webhook_payloads.sample(utcnow())) or "{}"
    try:
        post_webhook(config.url, body=body, headers=config.headers(), timeout=config.timeout)
    except WebhookFailed as failure:
        # What went wrong, without the receiver's answer: the URL may be any address a manager typed.
        raise ApiError(
            "error-invalid-webhook-response", f"The webhook did not accept the test: {failure.summary}"
        ) from None
    return ok()
