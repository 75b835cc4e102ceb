"""``omnidesk import contacts`` and ``omnidesk export contacts``: the directory as a CSV file.

Columns: ``name``, ``emails`` and ``phones`` (several values separated by ``;``), ``contactManager``
(an agent's username) and one ``cf:<key>`` column per custom field. Every row is applied in a
savepoint of its own, so a bad row is reported and skipped without touching the others.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from sqlalchemy import select
from tqdm import tqdm

from omnidesk.actions.contacts_import import DuplicateRow, ImportRow, import_contact_row
from omnidesk.errors import ApiError
from omnidesk.models import Contact, CustomField, User
from omnidesk.services import Services

CUSTOM_FIELD_PREFIX = "cf:"
BATCH = 500


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)

    def report(self) -> str:
        lines = [f"{self.created} created, {self.updated} updated, {len(self.skipped)} skipped"]
        lines += [f"  line {line}: skipped, {reason}" for line, reason in self.skipped]
        return "\n".join(lines)


def _split(cell: str | None) -> list[str]:
    return [part.strip() for part in (cell or "").replace(",", ";").split(";") if part.strip()]


def _rows(reader: csv.DictReader[str]) -> Iterator[tuple[int, ImportRow]]:
    for record in reader:
        custom = {
            key[len(CUSTOM_FIELD_PREFIX) :]: (value or "").strip()
            for key, value in record.items()
            if key and key.startswith(CUSTOM_FIELD_PREFIX) and (value or "").strip()
        }
        yield (
            reader.line_num,
            ImportRow(
                name=(record.get("name") or "").strip(),
                emails=_split(record.get("emails")),
                phones=_split(record.get("phones")),
                manager_username=(record.get("contactManager") or "").strip(),
                custom_fields=custom,
            ),
        )


def import_contacts(services: Services, path: Path, *, progress: bool = True) -> ImportSummary:
    summary = ImportSummary()
    with path.open(newline="", encoding="utf-8-sig") as handle:
        total = max(sum(1 for _ in handle) - 1, 0)
        handle.seek(0)
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "name" not in reader.fieldnames:
            raise ApiError("error-invalid-csv", "The first line must name the columns, among them 'name'")
        rows = tqdm(_rows(reader), total=total, unit="row", disable=not progress, desc="Importing contacts")
        session = services.session(write=True)
        try:
            for count, (line, row) in enumerate(rows, start=1):
                try:
                    with session.begin_nested():
                        outcome = import_contact_row(session, row)
                    summary.created += outcome == "created"
                    summary.updated += outcome == "updated"
                except DuplicateRow:
                    summary.skipped.append((line, "a contact with these emails or phones exists already"))
                except ApiError as error:
                    summary.skipped.append((line, error.reason))
                if count % BATCH == 0:
                    session.commit()
            session.commit()
        finally:
            session.close()
    return summary


def export_contacts(
    services: Services, out: TextIO, *, include_unknown: bool = False, progress: bool = True
) -> int:
    with services.db.session(write=False) as session:
        keys = list(
            session.scalars(
                select(CustomField.id).where(CustomField.scope == "visitor").order_by(CustomField.id)
            )
        )
        managers = {
            user_id: username for user_id, username in session.execute(select(User.id, User.username))
        }
        query = select(Contact).where(Contact.enabled.is_(True)).order_by(Contact.name, Contact.id)
        if not include_unknown:
            query = query.where(Contact.unknown.is_(False))
        writer = csv.writer(out)
        writer.writerow(
            ["name", "emails", "phones", "contactManager", *[CUSTOM_FIELD_PREFIX + key for key in keys]]
        )
        written = 0
        contacts = session.scalars(query.execution_options(yield_per=BATCH))
        for contact in tqdm(contacts, unit="contact", disable=not progress, desc="Exporting contacts"):
            custom = contact.custom_fields or {}
            writer.writerow(
                [
                    contact.name,
                    ";".join(email.address for email in contact.emails),
                    ";".join(phone.phone_number for phone in contact.phones),
                    managers.get(contact.contact_manager_id or "", ""),
                    *[custom.get(key, "") for key in keys],
                ]
            )
            written += 1
    return written
