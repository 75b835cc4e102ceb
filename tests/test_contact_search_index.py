"""The contact search index: answered from the index on both engines, and never stale."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from omnidesk.queries import counting
from omnidesk.queries.search.contacts import fts_query, matching_contact_ids
from omnidesk.queries.search.index import MARK, index_body, index_needle, search_needle
from omnidesk.services import Services
from tests.helpers import Persona, create_contact


def test_phones_typed_any_way_become_digits_and_text_is_lower_cased() -> None:
    assert search_needle("+1 (555) 010-2233") == "15550102233"
    assert search_needle(" 555.010.2233 ") == "5550102233"
    assert search_needle("Ada@Example") == "ada@example"
    assert search_needle("12") == "12"  # too few digits to be a phone: searched as text, same result


@pytest.mark.parametrize("search", ["lovelace", "王", "小明"])
def test_the_search_reads_the_index_not_every_row(services: Services, search: str) -> None:
    with services.db.session(write=False) as session:
        finder = matching_contact_ids(session, search)
        assert finder is not None
        compiled = finder.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
        if services.db.dialect == "sqlite":
            plan = session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
            assert any("VIRTUAL TABLE INDEX" in str(row) for row in plan), plan
        else:
            session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = session.execute(text(f"EXPLAIN {compiled}")).scalars().all()
            assert any("ix_contact_search_entries_body" in line for line in plan), plan
            # No pending list for searches to read through (migration 0012).
            options = session.execute(
                text("SELECT reloptions FROM pg_class WHERE relname = 'ix_contact_search_entries_body'")
            ).scalar()
            assert options == ["fastupdate=off"], options


def test_the_index_follows_every_change(agent: Persona) -> None:
    contact_id = create_contact(agent, name="Old Name", emails=["old@example.com"], phones=["555-010-1111"])

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


def test_a_long_needle_found_by_a_few_trigrams_is_still_a_substring(agent: Persona) -> None:
    # "abcdefghi" is looked up on SQLite by "ghi", "def" and "abc" (fts_query): an entry holding the
    # three apart is a candidate, never a match.
    assert fts_query("abcdefghi") == ('"ghi" AND "def" AND "abc"', True)
    assert fts_query("c-0339125") == ('"125" AND "339"', True)  # "c-0" is in every customer id
    assert fts_query("anna") == ('"anna"', False)
    create_contact(agent, name="Abcdefghi Whole", emails=[], phones=[])
    create_contact(agent, name="Ghi Def Abc Apart", emails=[], phones=[])
    create_contact(agent, name="Customer", emails=["ref.c-0339125@example.com"], phones=[])
    create_contact(agent, name="Scrambled", emails=["125.339.c-0@example.com"], phones=[])
    assert _names(_search(agent, searchText="ABCDEFGHI")) == ["Abcdefghi Whole"]
    assert _names(_search(agent, searchText="bcdefghi")) == ["Abcdefghi Whole"]
    assert _names(_search(agent, searchText="C-0339125")) == ["Customer"]
    assert _names(_search(agent, searchText="ghi def abc")) == ["Ghi Def Abc Apart"]


def _search(persona: Persona, **params: object) -> dict[str, object]:
    response = persona.get("/api/v1/omnichannel/contacts.search", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def _names(body: dict[str, object]) -> list[str]:
    contacts = body["contacts"]
    assert isinstance(contacts, list)
    return [contact["name"] for contact in contacts]


def test_a_search_finding_more_than_the_limit_walks_in_name_order_and_caps_its_total(
    agent: Persona, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number, name in enumerate(["Zoe Marsh", "Amy Marsh", "Mia Marsh", "Bob Marsh", "Ann Other"]):
        create_contact(
            agent, name=name, emails=[f"c{number}@example.org"], phones=[f"+1 555 010 40{number}0"]
        )
    exact = _search(agent, searchText="marsh")
    assert _names(exact) == ["Amy Marsh", "Bob Marsh", "Mia Marsh", "Zoe Marsh"]
    assert exact["total"] == 4 and "totalCapped" not in exact

    monkeypatch.setattr(counting, "EXACT_TOTAL_LIMIT", 2)
    capped = _search(agent, searchText="marsh", count=3)
    assert _names(capped) == ["Amy Marsh", "Bob Marsh", "Mia Marsh"]  # the walk: same order
    assert capped["total"] == 2 and capped["totalCapped"] is True
    assert _names(_search(agent, searchText="marsh", count=3, offset=3)) == ["Zoe Marsh"]
    # Too short for the index, and no text at all: walked and capped the same way.
    assert _names(_search(agent, searchText="ar", count=2)) == ["Amy Marsh", "Bob Marsh"]
    everyone = _search(agent)
    assert _names(everyone)[:2] == ["Amy Marsh", "Ann Other"] and len(_names(everyone)) == 5
    assert everyone["total"] == 2 and everyone["totalCapped"] is True
    # Another order than the name's: the walk joins the contacts.
    newest = _search(agent, searchText="marsh", sort='{"createdAt": -1}')
    assert _names(newest) == ["Bob Marsh", "Mia Marsh", "Amy Marsh", "Zoe Marsh"]
    monkeypatch.setattr(counting, "EXACT_TOTAL_LIMIT", 10)
    assert _names(_search(agent, searchText="marsh", sort='{"createdAt": -1}')) == _names(newest)


def test_deleted_contacts_leave_the_index(services: Services, agent: Persona, manager: Persona) -> None:
    contact_id = create_contact(agent, name="Gone Gary", emails=["gary@example.org"], phones=[])
    assert _names(_search(agent, searchText="gary")) == ["Gone Gary"]
    assert (
        manager.post("/api/v1/omnichannel/contacts.delete", json={"contactId": contact_id}).status_code == 200
    )
    assert _names(_search(agent, searchText="gary")) == []
    with services.db.session(write=False) as session:
        entries = session.execute(
            text("SELECT count(*) FROM contact_search_entries WHERE contact_id = :id"), {"id": contact_id}
        )
        assert entries.scalar() == 0


def test_one_or_two_cjk_characters_are_looked_up_by_their_marked_pieces() -> None:
    body = index_body("王小明", ["wang@example.cn"], [], [], ["株式会社", f"evil{MARK}value"])
    plain, pieces = body.split("\n" + MARK)
    assert plain == "王小明\nwang@example.cn\n株式会社\nevilvalue"  # MARK is taken out of the values
    assert MARK + pieces == "".join(
        MARK + piece + MARK
        for piece in ["王", "王小", "小", "小明", "明", "株", "株式", "式", "式会", "会", "会社", "社"]
    )
    assert index_needle("王") == MARK + "王" + MARK and index_needle("小明") == MARK + "小明" + MARK
    assert index_needle("li") is None and index_needle("王a") is None  # scanned, as before
    assert index_needle("王小明") == "王小明"
    assert index_body("Ada", [], [], [], []) == "ada"  # no short-name script, no pieces


def test_a_search_for_one_or_two_cjk_characters(agent: Persona, monkeypatch: pytest.MonkeyPatch) -> None:
    create_contact(agent, name="王小明", emails=[], phones=[])
    create_contact(agent, name="李王", emails=["li@example.cn"], phones=[])
    create_contact(agent, name="张伟", emails=[], phones=[])
    create_contact(agent, name="佐々木", emails=[], phones=[])
    create_contact(agent, name="Sato", emails=["sato@example.jp"], phones=[])
    assert _names(_search(agent, searchText="王")) == ["李王", "王小明"]
    assert _names(_search(agent, searchText="小明")) == ["王小明"]
    assert _names(_search(agent, searchText="明小")) == []
    assert _names(_search(agent, searchText="伟")) == ["张伟"]
    assert _names(_search(agent, searchText="々木")) == ["佐々木"]
    assert _names(_search(agent, searchText="王张")) == []  # two contacts' characters, not one piece
    # Above the count limit: the walk in name order, then every match sorted, both by the piece.
    monkeypatch.setattr(counting, "EXACT_TOTAL_LIMIT", 1)
    capped = _search(agent, searchText="王", count=1)
    assert _names(capped) == ["李王"] and capped["totalCapped"] is True
    assert _names(_search(agent, searchText="王", count=1, offset=1)) == ["王小明"]


def test_a_walk_in_name_order_is_not_tried_when_the_sample_says_it_would_find_nothing(
    services: Services, agent: Persona, monkeypatch: pytest.MonkeyPatch
) -> None:
    from omnidesk.queries.search import contacts as contact_search

    ids = {
        name: create_contact(agent, name=name, emails=[], phones=[])
        for name in ["Zoe Marsh", "Amy Marsh", "Mia Marsh", "Bob Marsh", "Ann Other"]
    }
    monkeypatch.setattr(contact_search, "WALK_BUDGET", 2)  # the first entries: Amy Marsh, Ann Other

    def first_page(count: int, sample_second: tuple[str, str] | None) -> list[str] | None:
        with services.db.session(write=False) as session:
            return contact_search._first_entries_page(
                session, "marsh", unknown=False, offset=0, count=count, sample_second=sample_second
            )

    assert first_page(1, None) == [ids["Amy Marsh"]]  # found among the first two entries
    assert first_page(2, None) is None  # one match there: not the page
    assert first_page(1, ("Amy Marsh", ids["Amy Marsh"])) == [ids["Amy Marsh"]]
    # The sample's second match comes after the first entries: no walk, and no answer from it.
    assert first_page(1, ("Bob Marsh", ids["Bob Marsh"])) is None
    # Whichever way the page is found, it is the same.
    monkeypatch.setattr(counting, "EXACT_TOTAL_LIMIT", 2)
    page = _search(agent, searchText="marsh", count=2)
    assert _names(page) == ["Amy Marsh", "Bob Marsh"] and page["totalCapped"] is True
