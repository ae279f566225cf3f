"""A column of the quote row copied from the row it points at, kept by triggers (0008, 0009).

The triggers copy the value when a quote is inserted or its pointer changes, overwrite a
direct write to the copy, and copy a new value from the pointed-at row to all its quotes. Only
those migrations import this module (its leading underscore keeps Django from loading it as a
migration), so it stays as they were written.
"""


def copied_column(*, name: str, column: str, key: str, table: str, source: str):
    """RunPython (forwards, backwards) keeping ``articles_quote.<column>`` equal to
    ``<table>.<source>`` of the row ``articles_quote.<key>`` points at.

    ``name`` names the triggers and functions: quote_<name> (on quotes), <name>_to_quotes (on
    the pointed-at table), articles_quote_<name> and articles_<name>_to_quotes (PostgreSQL).
    """
    value = f"(SELECT {source} FROM {table} WHERE id = NEW.{key})"
    postgres = [
        f"""
        CREATE FUNCTION articles_quote_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.{column} := {value};
            RETURN NEW;
        END $$
        """,
        f"""
        CREATE TRIGGER quote_{name} BEFORE INSERT OR UPDATE OF {key}, {column}
        ON articles_quote FOR EACH ROW EXECUTE FUNCTION articles_quote_{name}()
        """,
        f"""
        CREATE FUNCTION articles_{name}_to_quotes() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE articles_quote SET {column} = NEW.{source} WHERE {key} = NEW.id;
            RETURN NULL;
        END $$
        """,
        f"""
        CREATE TRIGGER {name}_to_quotes AFTER UPDATE OF {source} ON {table}
        FOR EACH ROW WHEN (OLD.{source} IS DISTINCT FROM NEW.{source})
        EXECUTE FUNCTION articles_{name}_to_quotes()
        """,
        f"""
        UPDATE articles_quote q SET {column} = t.{source}
        FROM {table} t WHERE t.id = q.{key}
        """,
    ]
    postgres_reverse = [
        f"DROP TRIGGER IF EXISTS {name}_to_quotes ON {table}",
        f"DROP FUNCTION IF EXISTS articles_{name}_to_quotes()",
        f"DROP TRIGGER IF EXISTS quote_{name} ON articles_quote",
        f"DROP FUNCTION IF EXISTS articles_quote_{name}()",
    ]
    # SQLite has no BEFORE triggers that can change NEW: the row is corrected right after it is
    # written. The WHEN clauses stop at once if recursive triggers are ever turned on.
    sqlite = [
        f"""CREATE TRIGGER quote_{name}_insert AFTER INSERT ON articles_quote
        WHEN NEW.{column} IS NOT {value} BEGIN
            UPDATE articles_quote SET {column} = {value} WHERE id = NEW.id;
        END""",
        f"""CREATE TRIGGER quote_{name}_update AFTER UPDATE OF {key}, {column} ON articles_quote
        WHEN NEW.{column} IS NOT {value} BEGIN
            UPDATE articles_quote SET {column} = {value} WHERE id = NEW.id;
        END""",
        f"""CREATE TRIGGER {name}_to_quotes AFTER UPDATE OF {source} ON {table}
        WHEN OLD.{source} IS NOT NEW.{source} BEGIN
            UPDATE articles_quote SET {column} = NEW.{source} WHERE {key} = NEW.id;
        END""",
        f"""UPDATE articles_quote SET {column} =
            (SELECT {source} FROM {table} WHERE id = articles_quote.{key})""",
    ]
    sqlite_reverse = [
        f"DROP TRIGGER IF EXISTS quote_{name}_insert",
        f"DROP TRIGGER IF EXISTS quote_{name}_update",
        f"DROP TRIGGER IF EXISTS {name}_to_quotes",
    ]

    def forwards(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for sql in {"postgresql": postgres, "sqlite": sqlite}.get(vendor, []):
            schema_editor.execute(sql)

    def backwards(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for sql in {"postgresql": postgres_reverse, "sqlite": sqlite_reverse}.get(vendor, []):
            schema_editor.execute(sql)

    return forwards, backwards
