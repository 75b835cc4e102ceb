"""Tables, one module per aggregate. Importing this package registers every table on ``Base.metadata``."""

from omnidesk.models.accounts import LoginToken, Permission, PermissionRole, Role, User, UserRole
from omnidesk.models.calls import Call, CallEvent, VoiceLine
from omnidesk.models.canned_responses import CannedResponse, CannedResponseTag
from omnidesk.models.contacts import (
    Contact,
    ContactAudit,
    ContactChannel,
    ContactEmail,
    ContactMerge,
    ContactPhone,
    ContactVerification,
)
from omnidesk.models.departments import (
    BusinessHour,
    CustomField,
    Department,
    DepartmentAgent,
    Priority,
    ServiceLevelAgreement,
    Tag,
)
from omnidesk.models.email_inbox import EmailInbox, EmailThreadMessage
from omnidesk.models.livechat import Inquiry, Message, Room, RoomParticipant, RoomTag, Visitor
from omnidesk.models.mail import OfflineMessage, OutboundEmail
from omnidesk.models.messaging import ChannelMessage, MessagingChannel
from omnidesk.models.rate_limits import RateLimitHit
from omnidesk.models.settings import Counter, Setting
from omnidesk.models.triggers import LivechatTrigger
from omnidesk.models.uploads import Upload
from omnidesk.models.webhooks import LivechatWebhook

__all__ = [
    "BusinessHour",
    "Call",
    "CallEvent",
    "CannedResponse",
    "CannedResponseTag",
    "ChannelMessage",
    "Contact",
    "ContactAudit",
    "ContactChannel",
    "ContactEmail",
    "ContactMerge",
    "ContactPhone",
    "ContactVerification",
    "Counter",
    "CustomField",
    "Department",
    "DepartmentAgent",
    "EmailInbox",
    "EmailThreadMessage",
    "Inquiry",
    "LivechatTrigger",
    "LivechatWebhook",
    "LoginToken",
    "Message",
    "MessagingChannel",
    "OfflineMessage",
    "OutboundEmail",
    "Permission",
    "PermissionRole",
    "Priority",
    "RateLimitHit",
    "Role",
    "Room",
    "RoomParticipant",
    "RoomTag",
    "ServiceLevelAgreement",
    "Setting",
    "Tag",
    "Upload",
    "User",
    "UserRole",
    "Visitor",
    "VoiceLine",
]
