"""The contact search index: answered from the index on both engines, and never stale."""

from __future__ import annotations

from sqlalchemy import text

from omnidesk.search_index import matching_contact_ids, search_needle
from omnidesk.services import Services
from tests.helpers import Persona
from tests.test_contacts import create


def test_phones_typed_any_way_become_digits_and_text_is_lower_cased() -> None:
    assert search_needle("+1 (555) 010-2233") == "15550102233"
    assert search_needle(" 555.010.2233 ") == "5550102233"
    assert search_needle("Ada@Example") == "ada@example"
    assert search_needle("12") == "12"  # too few digits to be a phone: searched as text, same result


def test_the_search_reads_the_index_not_every_row(services: Services) -> None:
    with services.db.session(write=False) as session:
        finder = matching_contact_ids(session, "lovelace")
        assert finder is not None
        compiled = finder.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
        if services.db.dialect == "sqlite":
            plan = session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
            assert any("VIRTUAL TABLE INDEX" in str(row) for row in plan), plan
        else:
            session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = session.execute(text(f"EXPLAIN {compiled}")).scalars().all()
            assert any("ix_contact_search_body" in line for line in plan), plan


def test_the_index_follows_every_change(agent: Persona) -> None:
    contact_id = create(agent, name="Old Name", emails=["old@example.com"], phones=["555-010-1111"])

    def names(search: str) -> list[str]:
        body = agent.get("/api/v1/omnichannel/contacts.search", params={"searchText": search}).json()
        return [contact["name"] for contact in body["contacts"]]

    assert names("old name") == ["Old Name"]
    update = {
        "contactId": contact_id,
        "name": "New Name",
        "emails": ["new@example.com"],
        "phones": ["555-010-2222"],
    }
    assert agent.post("/api/v1/omnichannel/contacts.update", json=update).status_code == 200
    assert names("old name") == [] and names("old@") == [] and names("5550101111") == []
    assert (
        names("new name") == ["New Name"]
        and names("new@") == ["New Name"]
        and names("010-2222") == ["New Name"]
    )
