"""The preview of a merge (``omnichannel/contacts.merge`` with ``preview``): the contact it makes, the
conflicts it adds, the contacts as they are side by side, and how many channels, rooms and calls move."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from omnidesk.actions.contact_merge import MergePlan
from omnidesk.shapes.contacts import contact_shapes


def merge_preview(session: Session, plan: MergePlan) -> dict[str, Any]:
    """What ``contacts.merge`` would make of the contacts, without writing."""
    totals = {
        key: sum(counts[key] for counts in plan.counts.values()) for key in ("channels", "rooms", "calls")
    }
    return {
        "result": {
            "_id": plan.survivor.id,
            "name": plan.name,
            "emails": [{"address": a} for a in [*(e.address for e in plan.survivor.emails), *plan.emails]],
            "phones": [
                {"phoneNumber": p}
                for p in [
                    *(p.phone_number for p in plan.survivor.phones),
                    *(p.phone_number for p in plan.phones),
                ]
            ],
            "customFields": plan.custom_fields,
            "contactManager": plan.contact_manager_id,
            "conflictingFields": plan.conflicting_fields,
            "unknown": plan.unknown,
        },
        "conflicts": plan.conflicts,
        "contacts": contact_shapes(session, [plan.survivor.id, *(other.id for other in plan.others)]),
        "counts": {"total": totals, "byContact": plan.counts},
    }
