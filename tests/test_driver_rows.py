"""Rows read through the driver (``queries/driver_rows.py``) are the rows SQLAlchemy reads."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from omnidesk.models import Contact, ContactChannel, Message, Room
from omnidesk.queries.driver_rows import DriverSelect
from omnidesk.services import Services
from tests.helpers import Persona, create_contact
from tests.livechat_helpers import guest, set_available


def _same_rows(services: Services, columns: list[Any], key: Any, ids: list[str]) -> list[Any]:
    with services.db.session(write=False) as session:
        through_driver = DriverSelect(columns, key=key, order_by=[key]).rows(session, ids)
        through_sqlalchemy = session.execute(select(*columns).where(key.in_(ids)).order_by(key)).all()
    assert [tuple(row) for row in through_driver] == [tuple(row) for row in through_sqlalchemy]
    assert through_driver  # something was compared
    return through_driver


def test_dates_json_and_flags_come_back_as_sqlalchemy_gives_them(
    services: Services, agent: Persona, anonymous: TestClient
) -> None:
    set_available(services, agent)
    visitor = guest(anonymous, "token-driver-rows")
    visitor.register(name="Row Reader", email="rows@example.com")
    room = visitor.open_room()
    assert visitor.say(room["_id"], "hello").status_code == 200
    contact_id = create_contact(agent, name="Typed Tess", customFields={}, phones=[])

    with services.db.session(write=False) as session:
        contact_ids = list(session.scalars(select(Contact.id)))
        room_ids = list(session.scalars(select(Room.id)))
        message_ids = list(session.scalars(select(Message.id)))
    contacts = _same_rows(services, list(Contact.__table__.c), Contact.__table__.c.id, contact_ids)
    _same_rows(services, list(ContactChannel.__table__.c), ContactChannel.__table__.c.contact_id, contact_ids)
    rooms = _same_rows(services, list(Room.__table__.c), Room.__table__.c.id, room_ids)
    _same_rows(services, list(Message.__table__.c), Message.__table__.c.id, message_ids)

    tess = next(row for row in contacts if row.id == contact_id)
    assert tess.created_at.tzinfo is not None and tess.custom_fields == {} and tess.enabled is True
    assert rooms[0].open is True and rooms[0].created_at.utcoffset().total_seconds() == 0


def test_an_empty_list_of_ids_runs_nothing(services: Services) -> None:
    with services.db.session(write=False) as session:
        assert DriverSelect([Contact.id], key=Contact.id).rows(session, []) == []
