"""Each firm's number of clients and of clients without an e-mail, kept by triggers.

The client table's first page says how many clients the firm has, and the toggle how many lack an e-mail:
counting them on every first page cost 7 ms (SQLite) and 10 ms (PostgreSQL) for a firm of 100,000 among
1,000,000, more than the page itself. A row per firm, changed in the same transaction as the clients, is
exact for every process and costs one indexed read.

- SQLite: row triggers; an e-mail save touches the firm's row only when the e-mail goes from none to one
  (or back).
- PostgreSQL: statement triggers with transition tables for inserts and deletes, so a bulk insert of 1,000
  clients adds to the firm's row once, not 1,000 times; a row trigger for saves, which fires only when
  "has an e-mail" changes (any other save leaves the firm's row unlocked for other writers).

Clients never move between firms (`firm_id` is not editable); the triggers still count such a move right.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 19:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = (
    "CREATE TABLE firm_client_counts ("
    "firm_id INTEGER PRIMARY KEY REFERENCES firms (id) ON DELETE CASCADE, "
    "clients BIGINT NOT NULL DEFAULT 0, "
    "missing_email BIGINT NOT NULL DEFAULT 0)"
)
BACKFILL = (
    "INSERT INTO firm_client_counts (firm_id, clients, missing_email) "
    "SELECT firms.id, "
    "(SELECT count(*) FROM clients WHERE clients.firm_id = firms.id), "
    "(SELECT count(*) FROM clients WHERE clients.firm_id = firms.id AND clients.email IS NULL) "
    "FROM firms"
)

SQLITE_TRIGGERS = (
    "CREATE TRIGGER firm_counts_new_firm AFTER INSERT ON firms BEGIN "
    "INSERT INTO firm_client_counts (firm_id) VALUES (NEW.id); END",
    "CREATE TRIGGER firm_counts_insert AFTER INSERT ON clients BEGIN "
    "UPDATE firm_client_counts SET clients = clients + 1, missing_email = missing_email + (NEW.email IS NULL) "
    "WHERE firm_id = NEW.firm_id; END",
    "CREATE TRIGGER firm_counts_delete AFTER DELETE ON clients BEGIN "
    "UPDATE firm_client_counts SET clients = clients - 1, missing_email = missing_email - (OLD.email IS NULL) "
    "WHERE firm_id = OLD.firm_id; END",
    "CREATE TRIGGER firm_counts_update AFTER UPDATE OF email, firm_id ON clients "
    "WHEN (OLD.email IS NULL) != (NEW.email IS NULL) OR OLD.firm_id != NEW.firm_id BEGIN "
    "UPDATE firm_client_counts SET clients = clients - 1, missing_email = missing_email - (OLD.email IS NULL) "
    "WHERE firm_id = OLD.firm_id; "
    "UPDATE firm_client_counts SET clients = clients + 1, missing_email = missing_email + (NEW.email IS NULL) "
    "WHERE firm_id = NEW.firm_id; END",
)

POSTGRESQL_FUNCTIONS = (
    "CREATE FUNCTION codadesk_count_new_firm() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO firm_client_counts (firm_id) VALUES (NEW.id); RETURN NULL; END $$",
    # Inserts and deletes: one function for both statement triggers, a firm's row written once per statement.
    "CREATE FUNCTION codadesk_count_clients() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF TG_OP = 'INSERT' THEN "
    "  UPDATE firm_client_counts AS f SET clients = f.clients + d.n, missing_email = f.missing_email + d.m "
    "  FROM (SELECT firm_id, count(*) AS n, count(*) FILTER (WHERE email IS NULL) AS m "
    "        FROM new_rows GROUP BY firm_id) AS d WHERE f.firm_id = d.firm_id; "
    "ELSE "
    "  UPDATE firm_client_counts AS f SET clients = f.clients - d.n, missing_email = f.missing_email - d.m "
    "  FROM (SELECT firm_id, count(*) AS n, count(*) FILTER (WHERE email IS NULL) AS m "
    "        FROM old_rows GROUP BY firm_id) AS d WHERE f.firm_id = d.firm_id; "
    "END IF; RETURN NULL; END $$",
    # Updates: a row trigger, because PostgreSQL allows no transition table on a trigger limited to columns;
    # its WHEN clause keeps it from firing for the saves that leave "has an e-mail" as it was.
    "CREATE FUNCTION codadesk_count_client_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "UPDATE firm_client_counts SET clients = clients - 1, missing_email = missing_email - (OLD.email IS NULL)::int "
    "WHERE firm_id = OLD.firm_id; "
    "UPDATE firm_client_counts SET clients = clients + 1, missing_email = missing_email + (NEW.email IS NULL)::int "
    "WHERE firm_id = NEW.firm_id; "
    "RETURN NULL; END $$",
)
POSTGRESQL_TRIGGERS = (
    "CREATE TRIGGER firm_counts_new_firm AFTER INSERT ON firms FOR EACH ROW EXECUTE FUNCTION codadesk_count_new_firm()",
    "CREATE TRIGGER firm_counts_insert AFTER INSERT ON clients REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION codadesk_count_clients()",
    "CREATE TRIGGER firm_counts_delete AFTER DELETE ON clients REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION codadesk_count_clients()",
    "CREATE TRIGGER firm_counts_update AFTER UPDATE OF email, firm_id ON clients FOR EACH ROW "
    "WHEN ((OLD.email IS NULL) <> (NEW.email IS NULL) OR OLD.firm_id <> NEW.firm_id) "
    "EXECUTE FUNCTION codadesk_count_client_update()",
)


def upgrade() -> None:
    op.execute(TABLE)
    op.execute(BACKFILL)
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
        return
    for statement in (*POSTGRESQL_FUNCTIONS, *POSTGRESQL_TRIGGERS):
        op.execute(statement)


def downgrade() -> None:
    for trigger, table in (
        ("firm_counts_new_firm", "firms"),
        ("firm_counts_insert", "clients"),
        ("firm_counts_delete", "clients"),
        ("firm_counts_update", "clients"),
    ):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS codadesk_count_clients()")
        op.execute("DROP FUNCTION IF EXISTS codadesk_count_client_update()")
        op.execute("DROP FUNCTION IF EXISTS codadesk_count_new_firm()")
    op.execute("DROP TABLE IF EXISTS firm_client_counts")
