"""`codadesk-server`: serve the API, migrate the database, seed demo data, create tokens, run the mail worker.

    codadesk-server serve   [--database URL] [--host 127.0.0.1] [--port 8000]
    codadesk-server migrate [--database URL]
    codadesk-server demo    [--database URL] --clients N [--firms K] [--seed S] [--json]
    codadesk-server token create [--database URL] --firm ID --user EMAIL [--name NAME]
    codadesk-server worker  [--database URL] [--once]

`--database` defaults to `CODADESK_DATABASE_URL`, then `sqlite:///codadesk.db`. `serve` never migrates: it
refuses a database whose schema is not the newest, so that two versions never write to one schema.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from sqlalchemy import select

from server.config import Settings
from server.db import Database, database_url_from_env, migrate, normalise_url

EXIT_USAGE = 2
EXIT_NOT_MIGRATED = 3


class CommandError(Exception):
    """A failure the user can fix; printed without a traceback."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--database",
        default=None,
        metavar="URL",
        help="sqlite:///path or postgresql://... (default: $CODADESK_DATABASE_URL, else sqlite:///codadesk.db)",
    )
    parser = argparse.ArgumentParser(prog="codadesk-server", description="The codadesk API server.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", parents=[common], help="answer the HTTP API (the database must be migrated)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=_positive,
        default=1,
        metavar="N",
        help="server processes answering on the port (default 1; one process answers on one core at a time)",
    )
    serve.set_defaults(run=run_serve)

    commands.add_parser("migrate", parents=[common], help="bring the schema to the newest version").set_defaults(
        run=run_migrate
    )

    demo = commands.add_parser("demo", parents=[common], help="migrate, then add demo firms and print their tokens")
    demo.add_argument("--clients", type=_count, required=True, metavar="N", help="clients per firm")
    demo.add_argument("--firms", type=_count, default=2, metavar="K", help="firms (default 2: service, then firm)")
    demo.add_argument("--seed", type=int, default=0, metavar="S", help="the same seed writes the same data")
    demo.add_argument("--json", action="store_true", help="print the accounts as a JSON list")
    demo.set_defaults(run=run_demo)

    token = commands.add_parser("token", help="API tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True, metavar="COMMAND")
    create = token_commands.add_parser(
        "create", parents=[common], help="print a new token for a user of a firm (the user is created if missing)"
    )
    create.add_argument("--firm", type=int, required=True, metavar="ID")
    create.add_argument("--user", required=True, metavar="EMAIL")
    create.add_argument("--name", default=None, help="the user's name, when the user is created")
    create.set_defaults(run=run_token_create)

    worker = commands.add_parser("worker", parents=[common], help="send queued e-mails and reminders")
    worker.add_argument("--once", action="store_true", help="one round, then exit")
    worker.set_defaults(run=run_worker)
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _database_url(args: argparse.Namespace) -> str:
    url: str = args.database or database_url_from_env()
    try:
        normalise_url(url)
    except Exception as error:
        raise CommandError(f"--database: {url!r} is not a database URL ({error})", EXIT_USAGE) from error
    return url


def schema_revisions(url: str) -> tuple[str | None, str]:
    """The database's Alembic revision (None when never migrated) and the newest this code knows."""
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.set_main_option("path_separator", "os")
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    database = Database(url, pool_size=1)
    try:
        with database.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    finally:
        database.dispose()
    return current, head


def _require_newest_schema(url: str) -> None:
    current, head = schema_revisions(url)
    if current != head:
        state = "has no schema yet" if current is None else f"is at schema {current}, not the newest ({head})"
        raise CommandError(
            f"The database {_shown(url)} {state}. Run `codadesk-server migrate --database {_shown(url)}` first.",
            EXIT_NOT_MIGRATED,
        )


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    url = _database_url(args)
    _require_newest_schema(url)
    # Each server process builds its app (and database pool) from the environment it inherits.
    os.environ["CODADESK_DATABASE_URL"] = url
    uvicorn.run(
        "server.main:create_app",
        factory=True,
        workers=args.workers,
        host=args.host,
        port=args.port,
        log_level="info",
    )
    return 0


def run_migrate(args: argparse.Namespace) -> int:
    url = _database_url(args)
    migrate(url)
    print(f"The database {_shown(url)} has the newest schema.", file=sys.stderr)
    return 0


def run_demo(args: argparse.Namespace) -> int:
    from server.demo import seed_demo

    url = _database_url(args)
    migrate(url)
    database = Database(url)
    try:
        accounts = seed_demo(database, clients_per_firm=args.clients, firms=args.firms, seed=args.seed)
    finally:
        database.dispose()
    if args.json:
        print(json.dumps([asdict(a) for a in accounts], ensure_ascii=False, indent=2))
        return 0
    for account in accounts:
        print(f"firm {account.firm_id} {account.firm_name} ({account.mandate_management}), {args.clients} clients")
        print(f"  user  {account.user_email}")
        print(f"  token {account.token}")
    print("Tokens are shown once: the database keeps only their hash.", file=sys.stderr)
    return 0


def run_token_create(args: argparse.Namespace) -> int:
    from email_validator import EmailNotValidError, validate_email

    from server.auth import issue_token
    from server.models import Firm, User

    try:
        email = validate_email(args.user, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise CommandError(f"--user: {error}", EXIT_USAGE) from error
    url = _database_url(args)
    _require_newest_schema(url)
    database = Database(url, pool_size=1)
    try:
        with database.write() as session:
            if session.get(Firm, args.firm) is None:
                raise CommandError(f"There is no firm {args.firm}.")
            user = session.scalars(select(User).where(User.firm_id == args.firm, User.email == email)).first()
            if user is None:
                name = args.name or email.split("@")[0].replace(".", " ").title()
                user = User(firm_id=args.firm, name=name, email=email)
                session.add(user)
                session.flush()
                print(f"Created user {email} in firm {args.firm}.", file=sys.stderr)
            token = issue_token(session, user, label="cli")
    finally:
        database.dispose()
    print(token)
    print("The token is shown once: the database keeps only its hash.", file=sys.stderr)
    return 0


def run_worker(args: argparse.Namespace) -> int:
    from server.mail.worker import main as worker_main

    return worker_main(Settings.from_env(database_url=_database_url(args)), once=args.once)


def _shown(url: str) -> str:
    """The URL without its password, fit to print."""
    return normalise_url(url).set(drivername=normalise_url(url).get_backend_name()).render_as_string()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `codadesk-server`; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except CommandError as error:
        print(f"codadesk-server: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
