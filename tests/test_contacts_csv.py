"""Importing and exporting the contact directory as CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from sqlalchemy import select

from omnidesk.contacts_csv import export_contacts, import_contacts
from omnidesk.models import Contact, ContactAudit, CustomField
from omnidesk.services import Services
from tests.helpers import Persona, create_contact
from tests.livechat_helpers import set_setting
from tests.voice_helpers import make_line


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _contacts(services: Services) -> dict[str, Contact]:
    with services.transaction() as session:
        contacts = session.scalars(select(Contact)).all()
        session.expunge_all()
        return {contact.name: contact for contact in contacts}


def test_import_creates_updates_and_skips_with_reasons(
    services: Services, tmp_path: Path, agent: Persona
) -> None:
    with services.transaction() as session:
        session.add(
            CustomField(id="plan", label="Plan", scope="visitor", type="select", options="gold,silver")
        )
    source = _write(
        tmp_path / "contacts.csv",
        "name,emails,phones,contactManager,cf:plan\n"
        "Ada Lovelace,ada@example.com;ADA@work.example,+1 (555) 010-2233,alex,gold\n"
        "Grace Hopper,grace@example.com,,,\n"
        ",nameless@example.com,,,\n"
        "Ada L.,,555.010.2233,,\n"  # same phone, another format: the same person, nothing new
        "Ada Again,ada@example.com,555-010-9999,,\n"  # same email: adds the new phone
        "Bad Email,not-an-email,,,\n"
        "Bad Plan,plan@example.com,,,platinum\n"
        "Bad Manager,boss@example.com,,nobody,\n"
        "Both,grace@example.com,555-010-2233,,\n",  # matches two different contacts
    )
    summary = import_contacts(services, source, progress=False)
    assert (summary.created, summary.updated) == (2, 1)
    reasons = dict(summary.skipped)
    assert reasons[4] == "the name is empty"
    assert reasons[5] == "a contact with these emails or phones exists already"
    assert reasons[7] == "Invalid email not-an-email"
    assert reasons[8] == "Invalid value for Plan field"
    assert reasons[9] == "Contact manager nobody not found"
    assert reasons[10] == "its emails and phones belong to different contacts"
    contacts = _contacts(services)
    assert sorted(contacts) == ["Ada Lovelace", "Grace Hopper"]
    ada = contacts["Ada Lovelace"]
    assert [e.address for e in ada.emails] == ["ada@example.com", "ada@work.example"]
    assert [p.phone_number for p in ada.phones] == ["+1 (555) 010-2233", "555-010-9999"]
    assert ada.custom_fields == {"plan": "gold"} and ada.contact_manager_id == agent.id
    with services.transaction() as session:
        actions = sorted(session.scalars(select(ContactAudit.action)).all())
    assert actions == ["created", "created", "updated"]
    # The imported contacts are searchable at once.
    found = agent.get("/api/v1/omnichannel/contacts.search", params={"searchText": "5550109999"}).json()
    assert [c["name"] for c in found["contacts"]] == ["Ada Lovelace"]


def test_a_rows_national_numbers_are_read_in_its_country_else_in_the_workspaces_regions(
    services: Services, tmp_path: Path, agent: Persona
) -> None:
    # The default region is US; a London line makes GB a region of the workspace too.
    make_line(services, number="+442071838750")
    with services.transaction() as session:
        session.add(CustomField(id="country", label="Country", scope="visitor"))
    set_setting(services, "Omnichannel_Contact_Country_Field", "country")
    ada = create_contact(agent, name="Ada London", emails=[], phones=["+44 20 7946 0958"])
    source = _write(
        tmp_path / "regions.csv",
        "name,emails,phones,cf:country\n"
        "Ada L.,ada@london.example,020 7946 0958,\n"  # valid in GB only: Ada's number, not a new contact
        "Kurt,,030 123456,DE\n"  # the row's country
        "White House,,(202) 456-1111,\n"  # valid in the US and in GB: the default region
        "Nowhere,,030 123456,\n"  # a number in neither region
        "Garbage,,call me maybe,\n"
        "Germany,,+49 30 123457,Germany\n",  # a country is its ISO 3166 code
    )
    summary = import_contacts(services, source, progress=False)
    assert (summary.created, summary.updated) == (2, 1)
    reasons = dict(summary.skipped)
    assert reasons[5] == (
        "Invalid phone number: '030 123456' (write it with its country code, such as +44 20 7946 0958,"
        " or as a national number of US or GB)"
    )
    assert reasons[6].startswith("Invalid phone number: 'call me maybe'")
    assert reasons[7].startswith("Invalid value for Country field: a country is written as its ISO 3166 code")
    contacts = _contacts(services)
    assert sorted(contacts) == ["Ada London", "Kurt", "White House"]
    assert contacts["Ada London"].id == ada
    assert [e.address for e in contacts["Ada London"].emails] == ["ada@london.example"]
    assert [p.e164 for p in contacts["Ada London"].phones] == ["+442079460958"]
    assert [p.e164 for p in contacts["Kurt"].phones] == ["+4930123456"]
    assert [p.e164 for p in contacts["White House"].phones] == ["+12024561111"]


def test_a_file_without_a_name_column_is_refused(services: Services, tmp_path: Path) -> None:
    from omnidesk.errors import ApiError

    source = _write(tmp_path / "bad.csv", "email,phone\na@example.com,1\n")
    try:
        import_contacts(services, source, progress=False)
    except ApiError as error:
        assert "'name'" in error.reason
    else:
        raise AssertionError("the import should have been refused")


def test_export_writes_what_import_reads(services: Services, tmp_path: Path, agent: Persona) -> None:
    source = _write(
        tmp_path / "in.csv",
        "name,emails,phones,contactManager\n"
        "Zoe,zoe@example.com;z@example.com,+44 20 7946 0018,alex\n"
        "Yann,,,\n",
    )
    import_contacts(services, source, progress=False)
    out = io.StringIO()
    assert export_contacts(services, out, progress=False) == 2
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[1] == {
        "name": "Zoe",
        "emails": "zoe@example.com;z@example.com",
        "phones": "+44 20 7946 0018",
        "contactManager": "alex",
    }
    # Re-importing the export recognises Zoe by email and phone; Yann, with neither, cannot be told apart.
    again = _write(tmp_path / "again.csv", out.getvalue())
    summary = import_contacts(services, again, progress=False)
    assert (summary.created, summary.updated) == (1, 0)
    assert [reason for _, reason in summary.skipped] == [
        "a contact with these emails or phones exists already"
    ]


def test_the_import_and_export_commands(tmp_path: Path, monkeypatch: Any, capsys: Any) -> None:
    from omnidesk.cli import main

    database = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("OMNIDESK_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("OMNIDESK_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("OMNIDESK_ARGON2_MEMORY_KIB", "64")
    source = _write(tmp_path / "in.csv", "name,emails,phones\nKim,kim@example.com,\n,x@example.com,\n")
    assert main(["import", "contacts", str(source), "--quiet"]) == 0
    assert "1 created, 0 updated, 1 skipped\n  line 3: skipped, the name is empty" in capsys.readouterr().out
    target = tmp_path / "out.csv"
    assert main(["export", "contacts", str(target), "--quiet"]) == 0
    assert "1 contacts written" in capsys.readouterr().out
    assert target.read_text(encoding="utf-8").splitlines()[1] == "Kim,kim@example.com,,"
