"""Migrations that move data: run on a database holding rows written by the previous revision."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, select, text
from sqlalchemy.exc import IntegrityError

from omnidesk import migrate
from omnidesk.access import widget_visitor
from omnidesk.channels import voice_twilio
from omnidesk.channels.email_inbox import inbox_config_of
from omnidesk.channels.voice_registry import line_config_of
from omnidesk.db import Database
from omnidesk.models import (
    Call,
    Contact,
    ContactChannel,
    EmailInbox,
    LivechatTrigger,
    Message,
    Room,
    Visitor,
    VoiceLine,
)
from omnidesk.queries.visitors import visitor_on_channel
from omnidesk.secret_box import box, decrypt_json
from omnidesk.services import Services


@pytest.fixture
def fresh_database(services: Services, tmp_path: Path) -> Iterator[Database]:
    """An empty database on the engine under test: a new SQLite file, or a new PostgreSQL schema."""
    if services.db.dialect == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'migrating.sqlite3'}")
        yield database
        database.dispose()
        return
    schema = f"omnidesk_migrating_{uuid.uuid4().hex[:10]}"
    url = services.db.engine.url.render_as_string(hide_password=False)
    with services.db.engine.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    database = Database(url, connect_args={"options": f"-csearch_path={schema},public"})
    yield database
    database.dispose()
    with services.db.engine.begin() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


def _migrate(database: Database, revision: str, *, down: bool = False) -> None:
    config = migrate._alembic_config()
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def _seed_0007(connection: Connection) -> dict[str, str]:
    """Contacts with their search rows as 0003 stored them, and a tagged room."""
    created = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    contacts = {"ada": "c-ada", "gone": "c-gone", "stranger": "c-stranger"}
    connection.execute(
        Contact.__table__.insert(),
        [
            {"id": "c-ada", "name": "Ada Lovelace", "enabled": True, "unknown": False},
            {"id": "c-gone", "name": "Gone Gary", "enabled": False, "unknown": False},
            {"id": "c-stranger", "name": "Visitor 7", "enabled": True, "unknown": True},
        ],
    )
    connection.execute(
        text("INSERT INTO contact_search (contact_id, body) VALUES (:id, :body)"),
        [
            {"id": "c-ada", "body": "ada lovelace\nada@example.com"},
            {"id": "c-gone", "body": "gone gary"},
            {"id": "c-stranger", "body": "visitor 7\nguest-7"},
        ],
    )
    connection.execute(Visitor.__table__.insert(), [{"id": "v-1", "token": "t-1", "username": "guest-7"}])
    connection.execute(
        Room.__table__.insert(),
        [{"id": "r-1", "fname": "Ada", "visitor_id": "v-1", "source_type": "widget", "created_at": created}],
    )
    connection.execute(
        text("INSERT INTO room_tags (room_id, tag, position) VALUES ('r-1', 'vip', 0), ('r-1', 'refund', 1)")
    )
    return contacts


def test_every_revision_id_fits_alembics_version_column() -> None:
    # alembic_version.version_num is VARCHAR(32): PostgreSQL refuses a longer id, SQLite stores it.
    script = ScriptDirectory.from_config(migrate._alembic_config())
    too_long = [revision.revision for revision in script.walk_revisions() if len(revision.revision) > 32]
    assert too_long == []


def test_0008_moves_the_search_index_into_entries_and_dates_the_room_tags(fresh_database: Database) -> None:
    _migrate(fresh_database, "0007_email_inboxes")
    with fresh_database.engine.begin() as connection:
        _seed_0007(connection)
    _migrate(fresh_database, "head")

    with fresh_database.engine.begin() as connection:
        entries = connection.execute(
            text("SELECT contact_id, unknown, name, body FROM contact_search_entries ORDER BY contact_id")
        ).all()
        assert [(row[0], bool(row[1]), row[2]) for row in entries] == [
            ("c-ada", False, "Ada Lovelace"),
            ("c-stranger", True, "Visitor 7"),
        ]  # the deleted contact has no entry
        stamps = connection.execute(text("SELECT room_created_at FROM room_tags")).scalars().all()
        assert len(stamps) == 2 and all(str(stamp).startswith("2026-03-04 05:06:07") for stamp in stamps)
    with fresh_database.session(write=True) as session:
        from omnidesk.queries.search.contacts import search_page

        found = search_page(session, search_text="lovelace", unknown=False, offset=0, count=10)
        assert found.contact_ids == ["c-ada"] and found.total == 1
        guest = search_page(session, search_text="guest-7", unknown=True, offset=0, count=10)
        assert guest.contact_ids == ["c-stranger"]
        # Later writes reach the index (SQLite: through the triggers feeding the FTS table).
        session.execute(
            text("UPDATE contact_search_entries SET body = 'ada king' WHERE contact_id = 'c-ada'")
        )
        assert search_page(session, search_text="lovelace", unknown=False, offset=0, count=10).total == 0
        assert search_page(session, search_text="ada king", unknown=False, offset=0, count=10).total == 1
        session.commit()

    _migrate(fresh_database, "0007_email_inboxes", down=True)
    with fresh_database.engine.begin() as connection:
        bodies = connection.execute(text("SELECT contact_id, body FROM contact_search ORDER BY contact_id"))
        assert bodies.all() == [("c-ada", "ada king"), ("c-stranger", "visitor 7\nguest-7")]


def test_0010_adds_the_short_name_pieces_to_the_entries_and_takes_them_back(fresh_database: Database) -> None:
    _migrate(fresh_database, "0009_rooms_agent_department")
    with fresh_database.engine.begin() as connection:
        connection.execute(
            Contact.__table__.insert(),
            [
                {"id": "c-wang", "name": "王小明", "enabled": True, "unknown": False},
                {"id": "c-ada", "name": "Ada Lovelace", "enabled": True, "unknown": False},
            ],
        )
        # SQLite numbers its entries in name order (search_order); PostgreSQL has no id column.
        numbered = fresh_database.dialect == "sqlite"
        columns, values = ("id, ", ":id, ") if numbered else ("", "")
        connection.execute(
            text(
                f"INSERT INTO contact_search_entries ({columns}contact_id, unknown, name, body) "
                f"VALUES ({values}:contact, FALSE, :name, :body)"
            ),
            [
                {"id": 1 << 24, "contact": "c-ada", "name": "Ada Lovelace", "body": "ada lovelace"},
                {"id": 2 << 24, "contact": "c-wang", "name": "王小明", "body": "王小明\nwang@example.cn"},
            ],
        )
    _migrate(fresh_database, "head")

    def bodies() -> list[tuple[str, str]]:
        with fresh_database.engine.begin() as connection:
            rows = connection.execute(
                text("SELECT contact_id, body FROM contact_search_entries ORDER BY contact_id")
            )
            return [(row[0], row[1]) for row in rows]

    assert bodies() == [
        ("c-ada", "ada lovelace"),
        ("c-wang", "王小明\nwang@example.cn\n\x1f王\x1f\x1f王小\x1f\x1f小\x1f\x1f小明\x1f\x1f明\x1f"),
    ]
    with fresh_database.session(write=False) as session:
        from omnidesk.queries.search.contacts import search_page

        found = search_page(session, search_text="明", unknown=False, offset=0, count=10)
        assert found.contact_ids == ["c-wang"] and found.total == 1

    _migrate(fresh_database, "0009_rooms_agent_department", down=True)
    assert bodies() == [("c-ada", "ada lovelace"), ("c-wang", "王小明\nwang@example.cn")]


def test_0013_gives_channel_visitors_random_tokens_and_files_them_by_address(
    fresh_database: Database,
) -> None:
    _migrate(fresh_database, "0012_search_index_no_pending")
    created = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    derived = {
        "v-sms": "sms:+15550102233",
        "v-wa": "whatsapp:+15550102233",
        "v-mail": "email:ada@example.com",
        "v-voice": "voice:+15550107788",
    }
    with fresh_database.engine.begin() as connection:
        connection.execute(
            Visitor.__table__.insert(),
            [
                {"id": vid, "token": token, "username": f"guest-{n}"}
                for n, (vid, token) in enumerate(derived.items())
            ]
            + [{"id": "v-web", "token": "widget-token-1", "username": "guest-9"}],
        )
        connection.execute(Contact.__table__.insert(), [{"id": "c-ada", "name": "Ada", "enabled": True}])
        connection.execute(
            ContactChannel.__table__.insert(),
            [
                {
                    "id": "ch-1",
                    "contact_id": "c-ada",
                    "visitor_id": "v-sms",
                    "source_type": "sms",
                    "name": "SMS",
                }
            ],
        )
        connection.execute(
            Room.__table__.insert(),
            [
                {
                    "id": "r-sms",
                    "fname": "Ada",
                    "visitor_id": "v-sms",
                    "source_type": "sms",
                    "created_at": created,
                },
                {
                    "id": "r-web",
                    "fname": "Web",
                    "visitor_id": "v-web",
                    "source_type": "widget",
                    "created_at": created,
                },
            ],
        )
        connection.execute(
            Message.__table__.insert(),
            [
                {
                    "id": "m-1",
                    "room_id": "r-sms",
                    "author_id": "v-sms",
                    "author_username": "guest-0",
                    "author_kind": "visitor",
                    "token": derived["v-sms"],
                    "msg": "hi",
                    "created_at": created,
                },
                {
                    "id": "m-2",
                    "room_id": "r-web",
                    "author_id": "v-web",
                    "author_username": "guest-9",
                    "author_kind": "visitor",
                    "token": "widget-token-1",
                    "msg": "hey",
                    "created_at": created,
                },
            ],
        )
    _migrate(fresh_database, "head")

    with fresh_database.session(write=False) as session:
        rows = {row.id: row for row in session.execute(select(Visitor.__table__)).all()}
        for visitor_id, token in derived.items():
            kind, address = token.split(":", 1)
            row = rows[visitor_id]
            assert (row.channel_type, row.channel_address) == (kind, address)
            assert len(row.token) >= 43 and address not in row.token
            assert visitor_on_channel(session, channel_type=kind, address=address).id == visitor_id
            assert widget_visitor(session, token) is None and widget_visitor(session, row.token) is None
        assert len({rows[v].token for v in derived}) == len(derived)
        assert (rows["v-web"].token, rows["v-web"].channel_type) == ("widget-token-1", None)
        assert widget_visitor(session, "widget-token-1").id == "v-web"
        # The rooms, messages and the contact's channel still belong to the same visitors.
        assert session.execute(select(Room.id, Room.visitor_id).order_by(Room.id)).all() == [
            ("r-sms", "v-sms"),
            ("r-web", "v-web"),
        ]
        assert session.scalar(select(ContactChannel.visitor_id)) == "v-sms"
        assert session.execute(select(Message.id, Message.token).order_by(Message.id)).all() == [
            ("m-1", None),
            ("m-2", None),
        ]

    _migrate(fresh_database, "0012_search_index_no_pending", down=True)
    with fresh_database.engine.begin() as connection:
        tokens = dict(connection.execute(text("SELECT id, token FROM visitors")).all())
    assert tokens == {**derived, "v-web": "widget-token-1"}


def test_0015_encrypts_stored_secrets_and_its_downgrade_decrypts_them(fresh_database: Database) -> None:
    _migrate(fresh_database, "0014_rate_limits")
    now = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    with fresh_database.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO voice_lines (id, phone_number, provider, account_sid, auth_token, queue, "
                "created_at, updated_at) VALUES ('line-1', '+15550100', 'twilio', 'AC1', 'plain-token-1', "
                "'support', :now, :now)"
            ),
            {"now": now},
        )
        connection.execute(
            Call.__table__.insert(),
            {
                "id": "call-1",
                "provider": "twilio",
                "line_id": "line-1",
                "direction": "inbound",
                "from_number": "+15550199",
                "to_number": "+15550100",
                "customer_number": "+15550199",
                "started_at": now,
            },
        )
    _migrate(fresh_database, "0015_encrypt_secrets")
    with fresh_database.engine.connect() as connection:
        stored = connection.execute(text("SELECT auth_token FROM voice_lines")).scalar()
        # The rows that point at a secret's table keep pointing at it (no table rebuild on SQLite).
        assert connection.execute(text("SELECT line_id FROM calls")).scalar() == "line-1"
    assert stored.startswith("enc:v1:") and "plain-token-1" not in stored
    _migrate(fresh_database, "0014_rate_limits", down=True)
    with fresh_database.engine.connect() as connection:
        assert connection.execute(text("SELECT auth_token FROM voice_lines")).scalar() == "plain-token-1"


def test_0016_moves_channel_credentials_into_one_encrypted_document_and_back(
    fresh_database: Database,
) -> None:
    _migrate(fresh_database, "0015_encrypt_secrets")
    now = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    with fresh_database.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO messaging_channels (id, type, provider, name, phone_number, account_sid, "
                "auth_token, messaging_service_sid, created_at, updated_at) VALUES ('sms-1', 'sms', "
                "'twilio', 'SMS', '+15550100', 'AC1', :token, 'MG1', :now, :now)"
            ),
            {"token": box().encrypt("twilio-token-1"), "now": now},
        )
        connection.execute(
            text(
                "INSERT INTO messaging_channels (id, type, provider, name, phone_number, phone_number_id, "
                "access_token, app_secret, verify_token, created_at, updated_at) VALUES ('wa-1', "
                "'whatsapp', 'whatsapp-cloud', 'WA', '+15550101', '1001', :access, :app, :verify, :now, "
                ":now)"
            ),
            {
                "access": box().encrypt("access-1"),
                "app": box().encrypt("app-secret-1"),
                "verify": "verify-1",  # written before 0015 encrypted it: read as it is
                "now": now,
            },
        )
        for index, channel_id in enumerate(("sms-1", "wa-1")):
            connection.execute(
                text(
                    "INSERT INTO channel_messages (id, channel_id, provider, direction, external_id, "
                    "customer, body, payload, status, attempts, occurred_at, next_attempt_at, created_at, "
                    "updated_at) VALUES (:id, :channel_id, 'twilio', 'in', :id, '+15550199', 'hi', '{}', "
                    "'received', 0, :now, :now, :now, :now)"
                ),
                {"id": f"cm-{index}", "channel_id": channel_id, "now": now},
            )
    _migrate(fresh_database, "0016_channel_config")
    with fresh_database.engine.connect() as connection:
        stored = dict(connection.execute(text("SELECT id, config FROM messaging_channels")).all())
        routing = connection.execute(
            text("SELECT messaging_service_sid, phone_number_id FROM messaging_channels ORDER BY id")
        ).all()
        # The messages of a channel keep pointing at it (no table rebuild on SQLite).
        links = dict(connection.execute(text("SELECT id, channel_id FROM channel_messages")).all())
        columns = {column["name"] for column in inspect(connection).get_columns("messaging_channels")}
    assert links == {"cm-0": "sms-1", "cm-1": "wa-1"}
    assert all(value.startswith("enc:v1:") and "token-1" not in value for value in stored.values())
    assert decrypt_json(stored["sms-1"]) == {"account_sid": "AC1", "auth_token": "twilio-token-1"}
    assert decrypt_json(stored["wa-1"]) == {
        "access_token": "access-1",
        "app_secret": "app-secret-1",
        "verify_token": "verify-1",
    }
    assert routing == [("MG1", None), (None, "1001")]
    assert not columns & {"account_sid", "auth_token", "access_token", "app_secret", "verify_token"}

    _migrate(fresh_database, "0015_encrypt_secrets", down=True)
    with fresh_database.engine.connect() as connection:
        rows = {
            row["id"]: row
            for row in connection.execute(text("SELECT * FROM messaging_channels")).mappings().all()
        }
        links = dict(connection.execute(text("SELECT id, channel_id FROM channel_messages")).all())
    assert links == {"cm-0": "sms-1", "cm-1": "wa-1"}
    assert "config" not in rows["sms-1"]
    assert rows["sms-1"]["account_sid"] == "AC1"
    assert rows["sms-1"]["auth_token"].startswith("enc:v1:")
    assert box().decrypt(rows["sms-1"]["auth_token"]) == "twilio-token-1"
    assert rows["sms-1"]["access_token"] is None
    secrets = [box().decrypt(rows["wa-1"][name]) for name in ("access_token", "app_secret", "verify_token")]
    assert secrets == ["access-1", "app-secret-1", "verify-1"]
    assert rows["wa-1"]["verify_token"].startswith("enc:v1:")  # as 0015 leaves every secret


def test_0018_adds_agent_capacity_and_presence_and_its_downgrade_keeps_every_user_row(
    fresh_database: Database,
) -> None:
    _migrate(fresh_database, "0017_contact_merges")
    now = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    with fresh_database.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (id, username, name, active, type, status, status_text, "
                "require_password_change, livechat_status, created_at, updated_at, email_verified) "
                "VALUES ('u-1', 'ann', 'Ann', true, 'user', 'away', '', false, 'available', :now, :now, "
                "false)"
            ),
            {"now": now},
        )
        token = (
            "INSERT INTO login_tokens (id, user_id, token_hash, created_at) VALUES ('t-1', 'u-1', 'h', :now)"
        )
        connection.execute(text(token), {"now": now})
    _migrate(fresh_database, "0018_agent_capacity")
    with fresh_database.engine.begin() as connection:
        row = connection.execute(
            text("SELECT status, status_default, livechat_max_chats FROM users WHERE id = 'u-1'")
        ).one()
    assert tuple(row) == ("away", "online", None)  # a user from before chose no status yet
    _migrate(fresh_database, "0017_contact_merges", down=True)
    with fresh_database.engine.begin() as connection:
        assert connection.execute(text("SELECT count(*) FROM login_tokens")).scalar() == 1
        columns = {column["name"] for column in inspect(connection).get_columns("users")}
    assert {"status_default", "status_changed_at", "livechat_max_chats"}.isdisjoint(columns)


def test_0019_moves_line_and_inbox_settings_into_one_encrypted_document_and_back(
    fresh_database: Database,
) -> None:
    _migrate(fresh_database, "0018_agent_capacity")
    now = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    with fresh_database.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO voice_lines (id, phone_number, provider, account_sid, auth_token, queue, "
                "created_at, updated_at) VALUES ('line-1', '+15550100', 'twilio', 'AC1', :token, "
                "'support', :now, :now)"
            ),
            {"token": box().encrypt("line-token-1"), "now": now},
        )
        connection.execute(
            Call.__table__.insert(),
            {
                "id": "call-1",
                "provider": "twilio",
                "line_id": "line-1",
                "direction": "inbound",
                "from_number": "+15550199",
                "to_number": "+15550100",
                "customer_number": "+15550199",
                "started_at": now,
            },
        )
        connection.execute(
            text(
                "INSERT INTO email_inboxes (id, name, email, active, department_id, smtp_server, smtp_port, "
                "smtp_username, smtp_password, smtp_secure, imap_server, imap_port, imap_username, "
                "imap_password, imap_secure, imap_max_retries, failed_polls, created_at, updated_at) "
                "VALUES ('inbox-1', 'Support', 'support@example.com', TRUE, NULL, 'smtp.example.com', 465, "
                "'mailer', :smtp_password, TRUE, 'imap.example.com', 143, 'support@example.com', "
                ":imap_password, FALSE, 3, 0, :now, :now)"
            ),
            {"smtp_password": box().encrypt("smtp-secret-1"), "imap_password": "imap-secret-1", "now": now},
        )
        connection.execute(Visitor.__table__.insert(), [{"id": "v-1", "token": "t-1", "username": "guest-1"}])
        connection.execute(
            Room.__table__.insert(),
            [{"id": "r-1", "fname": "Ada", "visitor_id": "v-1", "source_type": "email", "created_at": now}],
        )
        connection.execute(
            text(
                "INSERT INTO email_messages (id, inbox_id, message_id_header, room_id, direction, "
                "created_at) VALUES ('em-1', 'inbox-1', 'm1@example.com', 'r-1', 'inbound', :now)"
            ),
            {"now": now},
        )
    _migrate(fresh_database, "0019_line_and_inbox_config")
    with fresh_database.engine.connect() as connection:
        stored = connection.execute(text("SELECT config FROM voice_lines")).scalar()
        inbox_stored = connection.execute(text("SELECT config FROM email_inboxes")).scalar()
        # What points at a line or an inbox still does (no table rebuild on SQLite).
        assert connection.execute(text("SELECT line_id FROM calls")).scalar() == "line-1"
        assert connection.execute(text("SELECT inbox_id FROM email_messages")).scalar() == "inbox-1"
        columns = {column["name"] for column in inspect(connection).get_columns("voice_lines")}
        inbox_columns = {column["name"] for column in inspect(connection).get_columns("email_inboxes")}
    assert stored.startswith("enc:v1:") and "line-token-1" not in stored
    assert decrypt_json(stored) == {"account_sid": "AC1", "auth_token": "line-token-1"}
    assert not columns & {"account_sid", "auth_token"} and "phone_number" in columns
    assert inbox_stored.startswith("enc:v1:") and "secret-1" not in inbox_stored
    server = {"username": "mailer", "password": "smtp-secret-1", "secure": True}
    assert decrypt_json(inbox_stored) == {
        "smtp": {"server": "smtp.example.com", "port": 465, **server},
        "imap": {
            "server": "imap.example.com",
            "port": 143,
            "username": "support@example.com",
            "password": "imap-secret-1",  # written before 0015 encrypted it: read as it is
            "secure": False,
            "max_retries": 3,
        },
    }
    assert not {c for c in inbox_columns if c.startswith(("smtp_", "imap_"))} and "email" in inbox_columns
    with fresh_database.session(write=False) as session:
        line = session.get(VoiceLine, "line-1")
        assert line is not None
        assert line_config_of(line, voice_twilio.PROVIDER).auth_token == "line-token-1"
        inbox = session.get(EmailInbox, "inbox-1")
        assert inbox is not None
        assert inbox_config_of(inbox).smtp.sending_as("support@example.com").security == "ssl"

    _migrate(fresh_database, "0018_agent_capacity", down=True)
    with fresh_database.engine.connect() as connection:
        line_row = connection.execute(text("SELECT * FROM voice_lines")).mappings().one()
        inbox_row = dict(connection.execute(text("SELECT * FROM email_inboxes")).mappings().one())
        assert connection.execute(text("SELECT line_id FROM calls")).scalar() == "line-1"
        assert connection.execute(text("SELECT inbox_id FROM email_messages")).scalar() == "inbox-1"
        nullable = {
            (table, c["name"]): c["nullable"]
            for table in ("voice_lines", "email_inboxes")
            for c in inspect(connection).get_columns(table)
        }
    assert "config" not in line_row and line_row["account_sid"] == "AC1"
    assert line_row["auth_token"].startswith("enc:v1:")  # as 0015 leaves every secret
    assert box().decrypt(line_row["auth_token"]) == "line-token-1"
    assert "config" not in inbox_row
    passwords = [inbox_row.pop(name) for name in ("smtp_password", "imap_password")]
    assert all(password.startswith("enc:v1:") for password in passwords)
    assert [box().decrypt(password) for password in passwords] == ["smtp-secret-1", "imap-secret-1"]
    restored = {name: value for name, value in inbox_row.items() if name.startswith(("smtp_", "imap_"))}
    assert {name: bool(value) if name.endswith("_secure") else value for name, value in restored.items()} == {
        "smtp_server": "smtp.example.com",
        "smtp_port": 465,
        "smtp_username": "mailer",
        "smtp_secure": True,
        "imap_server": "imap.example.com",
        "imap_port": 143,
        "imap_username": "support@example.com",
        "imap_secure": False,
        "imap_max_retries": 3,
    }
    # PostgreSQL gets the NOT NULL back; SQLite cannot add it in place (see the migration).
    postgresql = fresh_database.dialect == "postgresql"
    moved = [("voice_lines", "account_sid"), ("voice_lines", "auth_token")]
    moved += [("email_inboxes", name) for name in (*restored, "smtp_password", "imap_password")]
    assert {key: nullable[key] for key in moved} == dict.fromkeys(moved, not postgresql)

    # And up again: the documents are rebuilt from the restored columns.
    _migrate(fresh_database, "0019_line_and_inbox_config")
    with fresh_database.engine.connect() as connection:
        again = connection.execute(text("SELECT config FROM email_inboxes")).scalar()
    assert decrypt_json(again)["imap"]["password"] == "imap-secret-1"


def test_0020_and_0021_go_down_and_up_again_keeping_the_rows(fresh_database: Database) -> None:
    _migrate(fresh_database, "0021_room_inactivity")
    now = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    with fresh_database.engine.begin() as connection:
        connection.execute(Visitor.__table__.insert(), [{"id": "v-1", "token": "t-1", "username": "guest-1"}])
        connection.execute(
            Room.__table__.insert(),
            [{"id": "r-1", "fname": "Ada", "visitor_id": "v-1", "source_type": "widget", "created_at": now}],
        )
    _migrate(fresh_database, "0019_line_and_inbox_config", down=True)
    with fresh_database.engine.begin() as connection:
        assert connection.execute(text("SELECT count(*) FROM rooms")).scalar() == 1
        columns = {column["name"] for column in inspect(connection).get_columns("rooms")}
        assert "awaiting_visitor_since" not in columns
        assert "business_hours" not in inspect(connection).get_table_names()
    _migrate(fresh_database, "0021_room_inactivity")
    with fresh_database.engine.begin() as connection:
        assert connection.execute(text("SELECT awaiting_visitor_since FROM rooms")).scalar() is None


def test_0022_adds_slas_in_place_and_its_downgrade_keeps_every_room_and_department(
    fresh_database: Database,
) -> None:
    _migrate(fresh_database, "0021_room_inactivity")
    now = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    with fresh_database.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO departments (id, name, enabled, description, email, "
                "show_on_registration, show_on_offline_form, request_tag_before_closing, "
                "chat_closing_tags, archived, created_at, updated_at) VALUES ('d-1', 'Sales', "
                "true, '', '', true, true, false, '[]', false, :now, :now)"
            ),
            {"now": now},
        )
        connection.execute(Visitor.__table__.insert(), [{"id": "v-1", "token": "t-1", "username": "guest-1"}])
        connection.execute(
            Room.__table__.insert(),
            [{"id": "r-1", "fname": "Ada", "visitor_id": "v-1", "source_type": "widget", "created_at": now}],
        )
        connection.execute(
            Message.__table__.insert(),
            [
                {
                    "id": "m-1",
                    "room_id": "r-1",
                    "msg": "hi",
                    "author_id": "v-1",
                    "author_username": "guest-1",
                    "author_kind": "visitor",
                    "created_at": now,
                }
            ],
        )
    _migrate(fresh_database, "0022_slas")
    with fresh_database.engine.begin() as connection:
        row = connection.execute(
            text("SELECT sla_id, sla_due_at, sla_minutes FROM rooms WHERE id = 'r-1'")
        ).one()
        assert tuple(row) == (None, None, None)  # a chat from before has no SLA
        connection.execute(
            text(
                "INSERT INTO slas (id, name, due_time_minutes, created_at, updated_at) "
                "VALUES ('s-1', 'Gold', 15, :now, :now)"
            ),
            {"now": now},
        )
        connection.execute(
            text("UPDATE rooms SET sla_id = 's-1', sla_minutes = 15, sla_due_at = :now"), {"now": now}
        )
        connection.execute(text("UPDATE departments SET sla_id = 's-1'"))
    _migrate(fresh_database, "0021_room_inactivity", down=True)
    with fresh_database.engine.begin() as connection:
        assert connection.execute(text("SELECT count(*) FROM messages")).scalar() == 1
        assert connection.execute(text("SELECT count(*) FROM rooms")).scalar() == 1
        assert connection.execute(text("SELECT count(*) FROM departments")).scalar() == 1
        inspector = inspect(connection)
        room_columns = {column["name"] for column in inspector.get_columns("rooms")}
        department_columns = {column["name"] for column in inspector.get_columns("departments")}
        assert "slas" not in inspector.get_table_names()
    assert {"sla_id", "sla_due_at", "sla_minutes", "sla_overdue_at"}.isdisjoint(room_columns)
    assert "sla_id" not in department_columns


def test_0023_adds_the_triggers_table_and_its_downgrade_drops_only_that(fresh_database: Database) -> None:
    _migrate(fresh_database, "0022_slas")
    now = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    with fresh_database.engine.begin() as connection:
        connection.execute(Visitor.__table__.insert(), [{"id": "v-1", "token": "t-1", "username": "guest-1"}])
        connection.execute(
            Room.__table__.insert(),
            [{"id": "r-1", "fname": "Ada", "visitor_id": "v-1", "source_type": "widget", "created_at": now}],
        )
    _migrate(fresh_database, "0023_livechat_triggers")
    with fresh_database.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO livechat_triggers (id, name, description, enabled, run_once, conditions, "
                "actions, created_at, updated_at) VALUES ('tr-1', 'Welcome', '', TRUE, FALSE, :conditions, "
                ":actions, :now, :now)"
            ),
            {
                "conditions": '[{"name": "time-on-site", "value": "5"}]',
                "actions": '[{"name": "send-message", "params": {"sender": "queue", "msg": "Hi"}}]',
                "now": now,
            },
        )
    with fresh_database.session(write=False) as session:
        trigger = session.get(LivechatTrigger, "tr-1")
        assert trigger is not None and trigger.conditions == [{"name": "time-on-site", "value": "5"}]

    _migrate(fresh_database, "0022_slas", down=True)
    with fresh_database.engine.connect() as connection:
        assert "livechat_triggers" not in inspect(connection).get_table_names()
        assert connection.execute(text("SELECT visitor_id FROM rooms")).scalar() == "v-1"


def test_0024_adds_the_webhook_queue_and_its_downgrade_drops_it(fresh_database: Database) -> None:
    _migrate(fresh_database, "0023_livechat_triggers")
    now = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    with fresh_database.engine.begin() as connection:
        connection.execute(Visitor.__table__.insert(), [{"id": "v-1", "token": "t-1", "username": "guest-1"}])
        connection.execute(
            Room.__table__.insert(),
            [{"id": "r-1", "fname": "Ada", "visitor_id": "v-1", "source_type": "widget", "created_at": now}],
        )
    _migrate(fresh_database, "0024_livechat_webhooks")
    with fresh_database.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO livechat_webhooks (id, type, room_id, payload, status, attempts, created_at, "
                "next_attempt_at) VALUES ('w-1', 'Message', 'r-1', '{}', 'pending', 0, :now, :now)"
            ),
            {"now": now},
        )
        # A room removed leaves its deliveries, no longer pointing at it.
        connection.execute(text("DELETE FROM rooms WHERE id = 'r-1'"))
        assert connection.execute(text("SELECT room_id FROM livechat_webhooks")).scalar() is None
        indexes = {index["name"] for index in inspect(connection).get_indexes("livechat_webhooks")}
    assert {"ix_livechat_webhooks_status_next", "ix_livechat_webhooks_created_at"} <= indexes
    _migrate(fresh_database, "0023_livechat_triggers", down=True)
    with fresh_database.engine.connect() as connection:
        assert "livechat_webhooks" not in inspect(connection).get_table_names()
        assert connection.execute(text("SELECT count(*) FROM visitors")).scalar() == 1
    _migrate(fresh_database, "0024_livechat_webhooks")  # and up again


def test_0025_adds_canned_responses_and_their_tags_and_its_downgrade_drops_only_those(
    fresh_database: Database,
) -> None:
    _migrate(fresh_database, "0025_canned_responses")
    now = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    with fresh_database.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO departments (id, name, enabled, description, email, "
                "show_on_registration, show_on_offline_form, request_tag_before_closing, "
                "chat_closing_tags, archived, created_at, updated_at) VALUES ('d-1', 'Sales', "
                "TRUE, '', '', TRUE, TRUE, FALSE, '[]', FALSE, :now, :now)"
            ),
            {"now": now},
        )
        connection.execute(
            text(
                "INSERT INTO canned_responses (id, shortcut, text, scope, department_id, created_by_id, "
                "created_by_username, created_at, updated_at) VALUES ('cr-1', 'hi', 'Hello', 'department', "
                "'d-1', 'u-1', 'alex', :now, :now)"
            ),
            {"now": now},
        )
        connection.execute(
            text("INSERT INTO canned_response_tags (response_id, tag, position) VALUES ('cr-1', 'vip', 0)")
        )
        # The shortcut is unique; a department's responses and a response's tags go with them.
        with pytest.raises(IntegrityError), connection.begin_nested():
            connection.execute(
                text(
                    "INSERT INTO canned_responses (id, shortcut, text, scope, created_by_id, "
                    "created_by_username, created_at, updated_at) VALUES ('cr-2', 'hi', 'Hey', 'global', "
                    "'u-1', 'alex', :now, :now)"
                ),
                {"now": now},
            )
        connection.execute(text("DELETE FROM departments WHERE id = 'd-1'"))
        assert connection.execute(text("SELECT count(*) FROM canned_responses")).scalar() == 0
        assert connection.execute(text("SELECT count(*) FROM canned_response_tags")).scalar() == 0
    _migrate(fresh_database, "0024_livechat_webhooks", down=True)
    with fresh_database.engine.connect() as connection:
        tables = inspect(connection).get_table_names()
    assert "canned_responses" not in tables and "canned_response_tags" not in tables
    assert "livechat_webhooks" in tables
    _migrate(fresh_database, "0025_canned_responses")  # and up again
