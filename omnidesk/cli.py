"""The ``omnidesk`` command."""

from __future__ import annotations

import argparse
import gc
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path

from omnidesk import logs, migrate
from omnidesk.actions.bootstrap import ensure_defaults
from omnidesk.errors import ApiError
from omnidesk.services import Services
from omnidesk.settings import ConfigurationError, Settings, listening_on, load_settings


def _prepare_database(services: Services) -> None:
    migrate.upgrade(services.db)
    with services.transaction() as session:
        ensure_defaults(session)


def cmd_migrate(services: Services, _args: argparse.Namespace) -> int:
    before = migrate.current_revision(services.db)
    _prepare_database(services)
    after = migrate.current_revision(services.db)
    print(
        f"database {describe_database(services.settings)}: schema at {after}"
        + ("" if before == after else f" (was {before})")
    )
    return 0


def _refuse_processes(settings: Settings, workers: int) -> str | None:
    """Why ``workers`` processes cannot serve this configuration, if they cannot."""
    if workers <= 1:
        return None
    if settings.is_sqlite:
        return (
            "SQLite serves one process: run `omnidesk serve` without --workers, or use PostgreSQL "
            "(OMNIDESK_DATABASE_URL) and Redis (OMNIDESK_REDIS_URL) for several."
        )
    if not settings.redis_url:
        return (
            "Several processes need Redis for their events and presence: set OMNIDESK_REDIS_URL "
            "(for example redis://127.0.0.1:6379/0)."
        )
    return None


def cmd_serve(services: Services, args: argparse.Namespace) -> int:
    import os

    import uvicorn

    from omnidesk.app import create_app
    from omnidesk.workers.inbox_reader import inbox_reader
    from omnidesk.workers.mail_delivery import mail_worker as make_mail_worker
    from omnidesk.workers.messaging_delivery import MessagingWorker
    from omnidesk.workers.periodic import PeriodicWorker
    from omnidesk.workers.queue_timers import queue_timers
    from omnidesk.workers.upload_expiry import upload_expiry
    from omnidesk.workers.webhook_delivery import WebhookWorker

    refusal = _refuse_processes(services.settings, args.workers)
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    if args.no_migrate and not migrate.is_up_to_date(services.db):
        print(
            f"The database schema is at {migrate.current_revision(services.db)}, this release needs "
            f"{migrate.head_revision()}. Run `omnidesk migrate` first.",
            file=sys.stderr,
        )
        return 2
    # Before the migrations and the workers log; uvicorn's loggers write through it too (log_config=None).
    logs.configure(level=services.settings.log_level, log_format=services.settings.log_format)
    if not args.no_migrate:
        _prepare_database(services)
    services.settings = listening_on(services.settings, host=args.host, port=args.port)
    host, port = services.settings.host, services.settings.port
    print(f"Omnidesk serving on http://{host}:{port} (database: {describe_database(services.settings)})")
    if services.settings.public_url != f"http://{host}:{port}":
        print(f"  public address (webhooks, links): {services.settings.public_url}")
    # Background work beside the web server: queued email, SMS and WhatsApp replies, the livechat
    # webhook, email inboxes, the queue's timed rules.
    workers: list[PeriodicWorker] = [
        make_mail_worker(services),
        MessagingWorker(services),
        WebhookWorker(services),
        inbox_reader(services),
        queue_timers(services),
        upload_expiry(services),
    ]
    for worker in workers:
        worker.start()
    try:
        if args.workers > 1:
            print(f"  {args.workers} processes, events and presence through Redis")
            # The processes build their settings from the environment: --host/--port go with it.
            os.environ["OMNIDESK_HOST"], os.environ["OMNIDESK_PORT"] = host, str(port)
            if not services.settings.public_url_explicit:
                os.environ["OMNIDESK_PUBLIC_URL"] = services.settings.public_url
            uvicorn.run(
                "omnidesk.app:app_from_environment",
                factory=True,
                workers=args.workers,
                host=host,
                port=port,
                log_level=services.settings.log_level,
                log_config=None,
            )
        else:
            app = create_app(services)
            # The objects alive now (modules, the app, the ORM's mappings) live as long as the process.
            # Frozen, the collector no longer scans them, so a full collection no longer stalls the
            # request it falls in (docs/benchmarks.md).
            gc.collect()
            gc.freeze()
            uvicorn.run(app, host=host, port=port, log_level=services.settings.log_level, log_config=None)
    finally:
        for worker in workers:
            worker.stop()
        services.close()
    return 0


def cmd_deliver_mail(services: Services, args: argparse.Namespace) -> int:
    from omnidesk.workers.mail_delivery import deliver_pending, pending_count, smtp_config

    with services.transaction() as session:
        enabled = smtp_config(session).enabled
        waiting = pending_count(session)
    if not enabled:
        print(f"Email is off: the SMTP_Host setting is empty. {waiting} email(s) wait.", file=sys.stderr)
        return 1
    sent = deliver_pending(services, limit=args.limit)
    print(f"Sent {sent} email(s).")
    return 0


def cmd_createadmin(services: Services, args: argparse.Namespace) -> int:
    from omnidesk.actions.accounts import create_user
    from omnidesk.queries.users import any_admin_exists

    _prepare_database(services)
    password = args.password or secrets.token_urlsafe(12)
    with services.transaction() as session:
        if args.if_none and any_admin_exists(session):
            print(
                "An admin account exists already; nothing to do "
                "(`omnidesk resetpassword` sets a new password)."
            )
            return 0
        create_user(
            session,
            passwords=services.passwords,
            username=args.username,
            email=args.email,
            password=password,
            name=args.name or args.username,
            roles=["admin", "user"],
            email_verified=True,
        )
    print(f"Created admin {args.username!r}.")
    if not args.password:
        print(f"  password: {password}   (shown once; `omnidesk resetpassword` sets another)")
    print(f"  log in at {services.settings.public_url} or POST /api/v1/login")
    return 0


def cmd_resetpassword(services: Services, args: argparse.Namespace) -> int:
    from omnidesk.actions.accounts import update_user
    from omnidesk.queries.users import user_by_username

    password = args.password or secrets.token_urlsafe(12)
    with services.transaction() as session:
        user = user_by_username(session, args.username)
        if user is None:
            print(f"No user named {args.username!r}.", file=sys.stderr)
            return 1
        update_user(session, passwords=services.passwords, user=user, password=password)
    print(f"New password for {args.username!r}: {password}" if not args.password else "Password changed.")
    return 0


def cmd_demo(services: Services, _args: argparse.Namespace) -> int:
    from omnidesk.demo.workspace import load_demo

    if services.settings.env == "production":
        print(
            "omnidesk demo loads made-up people and accounts; it does not run in production.", file=sys.stderr
        )
        return 2
    _prepare_database(services)
    with services.transaction() as session:
        summary = load_demo(session, passwords=services.passwords)
    print(summary)
    return 0


def cmd_rotate_secrets(services: Services, _args: argparse.Namespace) -> int:
    """Re-encrypt every stored secret under the current OMNIDESK_SECRET_KEY, so the old keys can leave
    OMNIDESK_SECRET_KEY_FALLBACKS."""
    from omnidesk.actions.settings import rotate_secrets

    _prepare_database(services)
    with services.transaction() as session:
        count = rotate_secrets(session)
    print(f"Re-encrypted {count} secrets under the current key.")
    return 0


def cmd_import(services: Services, args: argparse.Namespace) -> int:
    from omnidesk.contacts_csv import import_contacts

    _prepare_database(services)
    summary = import_contacts(services, Path(args.file), progress=not args.quiet)
    print(summary.report())
    return 0


def cmd_export(services: Services, args: argparse.Namespace) -> int:
    from omnidesk.contacts_csv import export_contacts

    with Path(args.file).open("w", newline="", encoding="utf-8") as out:
        written = export_contacts(
            services, out, include_unknown=args.include_unknown, progress=not args.quiet
        )
    print(f"{written} contacts written to {args.file}")
    return 0


def describe_database(settings: Settings) -> str:
    url = settings.database_url
    return url if settings.is_sqlite else url.split("@")[-1]  # never print a password


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="omnidesk", description="Omnidesk omnichannel contact center")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="migrate the database and serve the API")
    serve.add_argument(
        "--host", default=None, help="address to listen on (default: OMNIDESK_HOST or 127.0.0.1)"
    )
    serve.add_argument(
        "--port", type=int, default=None, help="port to listen on (default: OMNIDESK_PORT or 3000)"
    )
    serve.add_argument(
        "--no-migrate", action="store_true", help="refuse to start if the schema is not current"
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes on this machine (default 1; more need PostgreSQL and OMNIDESK_REDIS_URL)",
    )
    serve.set_defaults(handler=cmd_serve)

    commands.add_parser("migrate", help="bring the database schema up to date").set_defaults(
        handler=cmd_migrate
    )

    admin = commands.add_parser("createadmin", help="create an admin account")
    admin.add_argument("--username", required=True)
    admin.add_argument("--email", required=True)
    admin.add_argument("--password", help="default: a random password, printed once")
    admin.add_argument("--name")
    admin.add_argument("--if-none", action="store_true", help="do nothing when an admin exists already")
    admin.set_defaults(handler=cmd_createadmin)

    reset = commands.add_parser("resetpassword", help="set a new password for a user")
    reset.add_argument("--username", required=True)
    reset.add_argument("--password", help="default: a random password, printed once")
    reset.set_defaults(handler=cmd_resetpassword)

    commands.add_parser("demo", help="load realistic demo data").set_defaults(handler=cmd_demo)
    commands.add_parser(
        "rotate-secrets", help="re-encrypt stored secrets under the current OMNIDESK_SECRET_KEY"
    ).set_defaults(handler=cmd_rotate_secrets)

    importer = commands.add_parser("import", help="import data from a file")
    importer.add_argument("what", choices=["contacts"])
    importer.add_argument("file", help="a CSV file: name, emails, phones, contactManager, cf:<key>...")
    importer.add_argument("--quiet", action="store_true", help="no progress bar")
    importer.set_defaults(handler=cmd_import)

    exporter = commands.add_parser("export", help="export data to a file")
    exporter.add_argument("what", choices=["contacts"])
    exporter.add_argument("file")
    exporter.add_argument("--include-unknown", action="store_true", help="also contacts no one has added")
    exporter.add_argument("--quiet", action="store_true", help="no progress bar")
    exporter.set_defaults(handler=cmd_export)

    deliver = commands.add_parser("deliver-mail", help="send the queued emails that are due, once")
    deliver.add_argument("--limit", type=int, default=1000, help="send at most this many (default: 1000)")
    deliver.set_defaults(handler=cmd_deliver_mail)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return run_command(build_parser(), argv)


def run_command(parser: argparse.ArgumentParser, argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, build the configured services, run the chosen handler; an API error is a clean
    exit 1, a configuration error exit 2. Shared with ``python -m bench``."""
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigurationError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    services = Services.build(settings)
    try:
        result: int = args.handler(services, args)
        return result
    except ApiError as error:
        print(f"Error: {error.message}", file=sys.stderr)
        return 1
    finally:
        services.db.dispose()


if __name__ == "__main__":
    sys.exit(main())
