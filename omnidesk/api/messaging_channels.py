"""``omnichannel/messaging.channels``: the SMS (Twilio) and WhatsApp Cloud API accounts admins connect.
Each account as returned names the webhook URLs to paste into the provider's console; secrets are
masked."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from omnidesk.access import fetch_for_admin, require
from omnidesk.actions import messaging_channels as channel_actions
from omnidesk.api.shapes import ok, page_bounds
from omnidesk.api.validation import Body, QueryParams
from omnidesk.channels.config import api_name, mask_secret
from omnidesk.channels.registry import CHANNELS, config_of, module_for
from omnidesk.dates import iso
from omnidesk.http.deps import CurrentActor, ServicesDep, SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.models import MessagingChannel
from omnidesk.queries.messaging import list_messaging_channels

router = APIRouter(route_class=OneThreadRoute, prefix="/api/v1/omnichannel", tags=["messaging channels"])
PERMISSION = "manage-messaging-channels"
MISSING = "Messaging channel not found"


def _masked(secret: str | None) -> str | None:
    return mask_secret(secret) if secret else None


def channel_shape(channel: MessagingChannel, *, public_url: str) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "_id": channel.id,
        "type": channel.type,
        "provider": channel.provider,
        "name": channel.name,
        "phoneNumber": channel.phone_number,
        "departmentId": channel.department_id,
        "_createdAt": iso(channel.created_at),
        "_updatedAt": iso(channel.updated_at),
    }
    module = module_for(channel.type)
    config = config_of(channel, module)
    for field in module.fields():
        value = getattr(config, field)
        shape[api_name(field)] = _masked(value) if field in module.secrets else value
    return shape | module.webhook_urls(public_url, channel.id)


class PageQuery(QueryParams):
    count: int | None = None
    offset: int | None = Field(default=None, ge=0)
    type: Literal["sms", "whatsapp"] | None = None


@router.get("/messaging.channels")
def list_channels(
    params: Annotated[PageQuery, Query()], actor: CurrentActor, session: SessionDep, services: ServicesDep
) -> dict[str, Any]:
    require(session, actor, PERMISSION)
    offset, count = page_bounds(params.offset, params.count)
    channels, total = list_messaging_channels(session, offset=offset, count=count, type=params.type)
    shapes = [channel_shape(channel, public_url=services.settings.public_url) for channel in channels]
    return ok(channels=shapes, count=len(shapes), offset=offset, total=total)


class ChannelFields(Body):
    name: str | None = Field(default=None, max_length=120)
    phoneNumber: str | None = Field(default=None, max_length=60)
    departmentId: str | None = None
    # SMS (Twilio)
    accountSid: str | None = Field(default=None, max_length=64)
    authToken: str | None = Field(default=None, max_length=255)
    messagingServiceSid: str | None = Field(default=None, max_length=64)
    # WhatsApp Cloud API
    phoneNumberId: str | None = Field(default=None, max_length=64)
    accessToken: str | None = Field(default=None, max_length=4000)
    appSecret: str | None = Field(default=None, max_length=255)
    verifyToken: str | None = Field(default=None, max_length=255)

    def settings(self) -> channel_actions.ChannelSettings:
        given = self.model_dump()
        return channel_actions.ChannelSettings(
            name=self.name,
            phone_number=self.phoneNumber,
            department_id=self.departmentId,
            clear_department="departmentId" in self.model_fields_set and self.departmentId is None,
            config={field: given[name] for name, field in CONFIG_FIELDS.items() if given[name] is not None},
        )


# Each config field of every channel module, by its name in the API (the body above lists them all).
CONFIG_FIELDS = {api_name(field): field for module in CHANNELS.values() for field in module.fields()}
assert set(CONFIG_FIELDS) <= set(ChannelFields.model_fields), "a channel's config field is not in the API"


class MessagingChannelCreate(ChannelFields):
    type: Literal["sms", "whatsapp"]


@router.post("/messaging.channels")
def create_channel(
    body: MessagingChannelCreate, actor: CurrentActor, session: SessionDep, services: ServicesDep
) -> dict[str, Any]:
    require(session, actor, PERMISSION)
    channel = channel_actions.create_messaging_channel(session, type=body.type, settings=body.settings())
    return ok(channel=channel_shape(channel, public_url=services.settings.public_url))


@router.get("/messaging.channels/{channelId}")
def get_channel(
    channelId: str, actor: CurrentActor, session: SessionDep, services: ServicesDep
) -> dict[str, Any]:
    channel = fetch_for_admin(
        session,
        actor,
        MessagingChannel,
        channelId,
        permission=PERMISSION,
        missing=MISSING,
    )
    return ok(channel=channel_shape(channel, public_url=services.settings.public_url))


@router.put("/messaging.channels/{channelId}")
def update_channel(
    channelId: str, body: ChannelFields, actor: CurrentActor, session: SessionDep, services: ServicesDep
) -> dict[str, Any]:
    channel = fetch_for_admin(
        session,
        actor,
        MessagingChannel,
        channelId,
        permission=PERMISSION,
        missing=MISSING,
    )
    channel_actions.update_messaging_channel(session, channel=channel, settings=body.settings())
    return ok(channel=channel_shape(channel, public_url=services.settings.public_url))


@router.delete("/messaging.channels/{channelId}")
def delete_channel(channelId: str, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    channel_actions.delete_messaging_channel(
        session,
        channel=fetch_for_admin(
            session,
            actor,
            MessagingChannel,
            channelId,
            permission=PERMISSION,
            missing=MISSING,
        ),
    )
    return ok()
