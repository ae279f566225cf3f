"""A quote's search index no longer copies its article's body.

0003 indexed each quote with its article's whole body (weight D). Measured on a generated
archive of 20,000 quotes in 2,493 articles (SQLite), the quote FTS5 table took 144 MB of a
183 MB database, ten times the article text itself; on PostgreSQL each quote's vector was 2.4 kB
against 145 bytes of quote text. The body is now matched once per article, through the
article's own index: a quote is found when its text, speaker names or headline match the query
(weights A, B, C), or when its article (headline, standfirst, body) matches it, ranked below
(articles/search.py). Body edits therefore no longer rewrite the article's quotes.

The steps undo 0003's database objects and create the new ones; the columns stay.
"""

import importlib

from django.db import migrations

v1 = importlib.import_module("articles.migrations.0003_search_vectors")

SQLITE_SPEAKER_NAMES = v1.SQLITE_SPEAKER_NAMES
_sqlite_refresh_speaker = v1._sqlite_refresh_speaker

SQLITE_QUOTE_INSERT = f"""
    INSERT INTO articles_quote_fts (rowid, text, speaker, headline) VALUES (
        NEW.id, NEW.text, {SQLITE_SPEAKER_NAMES.format(speaker="NEW.speaker_id")},
        (SELECT headline FROM articles_article WHERE id = NEW.article_id));
"""
SQLITE_ARTICLE_QUOTES = """
        UPDATE articles_quote_fts SET headline = NEW.headline
            WHERE rowid IN (SELECT id FROM articles_quote WHERE article_id = NEW.id);
"""

SQLITE = [
    """CREATE VIRTUAL TABLE articles_quote_fts USING fts5(
        text, speaker, headline, tokenize = 'porter unicode61')""",
    """CREATE VIRTUAL TABLE articles_article_fts USING fts5(
        headline, standfirst, body, tokenize = 'porter unicode61')""",
    f"""CREATE TRIGGER articles_quote_fts_insert AFTER INSERT ON articles_quote BEGIN
        {SQLITE_QUOTE_INSERT}
    END""",
    f"""CREATE TRIGGER articles_quote_fts_update
        AFTER UPDATE OF text, speaker_id, article_id ON articles_quote BEGIN
        DELETE FROM articles_quote_fts WHERE rowid = OLD.id;
        {SQLITE_QUOTE_INSERT}
    END""",
    """CREATE TRIGGER articles_quote_fts_delete AFTER DELETE ON articles_quote BEGIN
        DELETE FROM articles_quote_fts WHERE rowid = OLD.id;
    END""",
    f"""CREATE TRIGGER articles_speaker_fts_insert AFTER INSERT ON articles_speaker BEGIN
        {_sqlite_refresh_speaker("NEW.id")}
    END""",
    f"""CREATE TRIGGER articles_speaker_fts_update AFTER UPDATE OF name ON articles_speaker BEGIN
        {_sqlite_refresh_speaker("NEW.id")}
    END""",
    f"""CREATE TRIGGER articles_speakeralias_fts_insert AFTER INSERT ON articles_speakeralias
    BEGIN
        {_sqlite_refresh_speaker("NEW.speaker_id")}
    END""",
    f"""CREATE TRIGGER articles_speakeralias_fts_update AFTER UPDATE ON articles_speakeralias
    BEGIN
        {_sqlite_refresh_speaker("OLD.speaker_id")}
        {_sqlite_refresh_speaker("NEW.speaker_id")}
    END""",
    f"""CREATE TRIGGER articles_speakeralias_fts_delete AFTER DELETE ON articles_speakeralias
    BEGIN
        {_sqlite_refresh_speaker("OLD.speaker_id")}
    END""",
    f"""CREATE TRIGGER articles_article_fts_insert AFTER INSERT ON articles_article BEGIN
        INSERT INTO articles_article_fts (rowid, headline, standfirst, body)
            VALUES (NEW.id, NEW.headline, NEW.standfirst, NEW.body);
        {SQLITE_ARTICLE_QUOTES}
    END""",
    """CREATE TRIGGER articles_article_fts_update
        AFTER UPDATE OF headline, standfirst, body ON articles_article BEGIN
        DELETE FROM articles_article_fts WHERE rowid = OLD.id;
        INSERT INTO articles_article_fts (rowid, headline, standfirst, body)
            VALUES (NEW.id, NEW.headline, NEW.standfirst, NEW.body);
    END""",
    f"""CREATE TRIGGER articles_article_fts_headline
        AFTER UPDATE OF headline ON articles_article BEGIN
        {SQLITE_ARTICLE_QUOTES}
    END""",
    """CREATE TRIGGER articles_article_fts_delete AFTER DELETE ON articles_article BEGIN
        DELETE FROM articles_article_fts WHERE rowid = OLD.id;
    END""",
    # Rows that exist already.
    f"""INSERT INTO articles_quote_fts (rowid, text, speaker, headline)
        SELECT q.id, q.text, {SQLITE_SPEAKER_NAMES.format(speaker="q.speaker_id")}, a.headline
        FROM articles_quote q LEFT JOIN articles_article a ON a.id = q.article_id""",
    """INSERT INTO articles_article_fts (rowid, headline, standfirst, body)
        SELECT id, headline, standfirst, body FROM articles_article""",
]

SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS articles_article_fts_headline", *v1.SQLITE_REVERSE]

POSTGRES = [
    """
    CREATE FUNCTION articles_quote_search_vector(quote_text text, speaker bigint, article bigint)
    RETURNS tsvector LANGUAGE sql STABLE AS $$
        SELECT setweight(to_tsvector('english', coalesce(quote_text, '')), 'A')
            || setweight(to_tsvector('english', coalesce((
                   SELECT s.name || coalesce(' ' || string_agg(al.name, ' '), '')
                   FROM articles_speaker s
                   LEFT JOIN articles_speakeralias al ON al.speaker_id = s.id
                   WHERE s.id = speaker GROUP BY s.id), '')), 'B')
            || setweight(to_tsvector('english', coalesce((
                   SELECT headline FROM articles_article WHERE id = article), '')), 'C')
    $$
    """,
    *v1.POSTGRES[1:5],  # the quote and article BEFORE triggers, unchanged
    """
    CREATE FUNCTION articles_refresh_quote_vectors() RETURNS trigger AS $$
    BEGIN
        -- OLD is only read under TG_OP = 'UPDATE': an expression's OR does not short-circuit.
        IF TG_TABLE_NAME = 'articles_article' THEN
            IF TG_OP = 'UPDATE' THEN
                IF OLD.headline IS NOT DISTINCT FROM NEW.headline THEN
                    RETURN NULL;
                END IF;
            END IF;
            UPDATE articles_quote SET search_vector = NULL WHERE article_id = NEW.id;
        ELSIF TG_TABLE_NAME = 'articles_speaker' THEN
            IF TG_OP = 'UPDATE' THEN
                IF OLD.name IS NOT DISTINCT FROM NEW.name THEN
                    RETURN NULL;
                END IF;
            END IF;
            UPDATE articles_quote SET search_vector = NULL WHERE speaker_id = NEW.id;
        ELSE  -- articles_speakeralias
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                UPDATE articles_quote SET search_vector = NULL WHERE speaker_id = OLD.speaker_id;
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                UPDATE articles_quote SET search_vector = NULL WHERE speaker_id = NEW.speaker_id;
            END IF;
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER article_refresh_quote_vectors
    AFTER INSERT OR UPDATE OF headline ON articles_article
    FOR EACH ROW EXECUTE FUNCTION articles_refresh_quote_vectors()
    """,
    *v1.POSTGRES[7:],  # speaker and alias triggers, backfill, named GIN indexes
]

POSTGRES_REVERSE = v1.POSTGRES_REVERSE


def forwards(apps, schema_editor):
    v1.backwards(apps, schema_editor)
    vendor = schema_editor.connection.vendor
    for sql in {"postgresql": POSTGRES, "sqlite": SQLITE}.get(vendor, []):
        schema_editor.execute(sql, params=None)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}.get(vendor, []):
        schema_editor.execute(sql, params=None)
    v1.forwards(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("articles", "0003_search_vectors")]

    operations = [migrations.RunPython(forwards, backwards)]
