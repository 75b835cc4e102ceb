"""The ``omnidesk`` command."""

from __future__ import annotations

import argparse
import secrets
import sys
from collections.abc import Sequence

from omnidesk import migrate
from omnidesk.actions.bootstrap import ensure_defaults
from omnidesk.errors import ApiError
from omnidesk.services import Services
from omnidesk.settings import ConfigurationError, Settings, load_settings


def _prepare_database(services: Services) -> None:
    migrate.upgrade(services.db)
    with services.transaction() as session:
        ensure_defaults(session)


def cmd_migrate(services: Services, _args: argparse.Namespace) -> int:
    before = migrate.current_revision(services.db)
    _prepare_database(services)
    after = migrate.current_revision(services.db)
    print(
        f"database {_describe(services.settings)}: schema at {after}"
        + ("" if before == after else f" (was {before})")
    )
    return 0


def cmd_serve(services: Services, args: argparse.Namespace) -> int:
    import uvicorn

    from omnidesk.app import create_app

    if args.no_migrate:
        if not migrate.is_up_to_date(services.db):
            print(
                f"The database schema is at {migrate.current_revision(services.db)}, this release needs "
                f"{migrate.head_revision()}. Run `omnidesk migrate` first.",
                file=sys.stderr,
            )
            return 2
    else:
        _prepare_database(services)
    host = args.host or services.settings.host
    port = args.port or services.settings.port
    print(f"Omnidesk serving on http://{host}:{port} (database: {_describe(services.settings)})")
    uvicorn.run(create_app(services), host=host, port=port, log_level=services.settings.log_level)
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
    from omnidesk.demo import load_demo

    _prepare_database(services)
    with services.transaction() as session:
        summary = load_demo(session, passwords=services.passwords)
    print(summary)
    return 0


def _describe(settings: Settings) -> str:
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
