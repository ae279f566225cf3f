"""Quote offsets must lie inside the article body and select exactly the quote's text.

A CHECK constraint cannot look at another table, so this invariant is a pair of named
triggers per database. Both raise an integrity error naming the invariant.
"""

from django.db import migrations

SQLITE = [
    """
    CREATE TRIGGER quote_offsets_within_body_insert BEFORE INSERT ON articles_quote
    FOR EACH ROW WHEN NEW."end" > (SELECT length(body) FROM articles_article WHERE id = NEW.article_id)
        OR substr((SELECT body FROM articles_article WHERE id = NEW.article_id),
                  NEW.start + 1, NEW."end" - NEW.start) != NEW.text
    BEGIN
        SELECT RAISE(ABORT, 'quote_offsets_within_body: the quote text is not at start:end of its article body');
    END
    """,
    """
    CREATE TRIGGER quote_offsets_within_body_update BEFORE UPDATE ON articles_quote
    FOR EACH ROW WHEN NEW."end" > (SELECT length(body) FROM articles_article WHERE id = NEW.article_id)
        OR substr((SELECT body FROM articles_article WHERE id = NEW.article_id),
                  NEW.start + 1, NEW."end" - NEW.start) != NEW.text
    BEGIN
        SELECT RAISE(ABORT, 'quote_offsets_within_body: the quote text is not at start:end of its article body');
    END
    """,
    """
    CREATE TRIGGER article_body_covers_quotes BEFORE UPDATE OF body ON articles_article
    FOR EACH ROW WHEN EXISTS (
        SELECT 1 FROM articles_quote q WHERE q.article_id = NEW.id AND q."end" > length(NEW.body)
    )
    BEGIN
        SELECT RAISE(ABORT, 'quote_offsets_within_body: the new body is shorter than a quote offset; fix the quotes first');
    END
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS quote_offsets_within_body_insert",
    "DROP TRIGGER IF EXISTS quote_offsets_within_body_update",
    "DROP TRIGGER IF EXISTS article_body_covers_quotes",
]

POSTGRES = [
    """
    CREATE FUNCTION articles_quote_offsets_within_body() RETURNS trigger AS $$
    DECLARE
        article_body text;
    BEGIN
        SELECT body INTO article_body FROM articles_article WHERE id = NEW.article_id;
        IF NEW."end" > char_length(article_body)
           OR substring(article_body FROM NEW.start + 1 FOR NEW."end" - NEW.start) <> NEW.text THEN
            RAISE EXCEPTION 'quote_offsets_within_body: the quote text is not at start:end of its article body'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER quote_offsets_within_body BEFORE INSERT OR UPDATE ON articles_quote
    FOR EACH ROW EXECUTE FUNCTION articles_quote_offsets_within_body()
    """,
    """
    CREATE FUNCTION articles_article_body_covers_quotes() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM articles_quote q
                   WHERE q.article_id = NEW.id AND q."end" > char_length(NEW.body)) THEN
            RAISE EXCEPTION 'quote_offsets_within_body: the new body is shorter than a quote offset; fix the quotes first'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER article_body_covers_quotes BEFORE UPDATE OF body ON articles_article
    FOR EACH ROW EXECUTE FUNCTION articles_article_body_covers_quotes()
    """,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS quote_offsets_within_body ON articles_quote",
    "DROP FUNCTION IF EXISTS articles_quote_offsets_within_body()",
    "DROP TRIGGER IF EXISTS article_body_covers_quotes ON articles_article",
    "DROP FUNCTION IF EXISTS articles_article_body_covers_quotes()",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = (
        POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    )
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
