"""Full-text search indexes, maintained by the database itself (never by Django signals).

PostgreSQL: ``search_vector`` (tsvector, config english) on quotes and articles, written by
BEFORE triggers, with named GIN indexes. A quote's vector reads other tables (speaker names,
article headline and body), which a generated column cannot do, so triggers on speakers,
aliases and articles refresh the quotes they feed. Articles use a trigger too: a generated
column would have to compile on SQLite as well, where ``to_tsvector`` does not exist.

Quote vector weights: text A, speaker name and aliases B, article headline C, article body D.
The body is kept (a quote is found by the story around it, ranked last) at the cost of one
copy of the article's lexemes per quote: a few kB per quote for news-length articles.
Article vector weights: headline A, standfirst B, body C.

SQLite: FTS5 tables (porter stemmer) kept in sync by triggers; the tsvector columns stay NULL.
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import migrations

# The text a quote is found by through its speaker: the canonical name and every alias.
SQLITE_SPEAKER_NAMES = """(SELECT s.name || coalesce(' ' || (
        SELECT group_concat(al.name, ' ') FROM articles_speakeralias al WHERE al.speaker_id = s.id
    ), '') FROM articles_speaker s WHERE s.id = {speaker})"""


def _sqlite_refresh_speaker(speaker: str) -> str:
    names = SQLITE_SPEAKER_NAMES.format(speaker=speaker)
    return (
        f"UPDATE articles_quote_fts SET speaker = {names} "
        f"WHERE rowid IN (SELECT id FROM articles_quote WHERE speaker_id = {speaker});"
    )


SQLITE_QUOTE_INSERT = f"""
    INSERT INTO articles_quote_fts (rowid, text, speaker, headline, body) VALUES (
        NEW.id, NEW.text, {SQLITE_SPEAKER_NAMES.format(speaker="NEW.speaker_id")},
        (SELECT headline FROM articles_article WHERE id = NEW.article_id),
        (SELECT body FROM articles_article WHERE id = NEW.article_id));
"""

SQLITE = [
    """CREATE VIRTUAL TABLE articles_quote_fts USING fts5(
        text, speaker, headline, body, tokenize = 'porter unicode61')""",
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
    """CREATE TRIGGER articles_article_fts_insert AFTER INSERT ON articles_article BEGIN
        INSERT INTO articles_article_fts (rowid, headline, standfirst, body)
            VALUES (NEW.id, NEW.headline, NEW.standfirst, NEW.body);
        UPDATE articles_quote_fts SET headline = NEW.headline, body = NEW.body
            WHERE rowid IN (SELECT id FROM articles_quote WHERE article_id = NEW.id);
    END""",
    """CREATE TRIGGER articles_article_fts_update
        AFTER UPDATE OF headline, standfirst, body ON articles_article BEGIN
        DELETE FROM articles_article_fts WHERE rowid = OLD.id;
        INSERT INTO articles_article_fts (rowid, headline, standfirst, body)
            VALUES (NEW.id, NEW.headline, NEW.standfirst, NEW.body);
        UPDATE articles_quote_fts SET headline = NEW.headline, body = NEW.body
            WHERE rowid IN (SELECT id FROM articles_quote WHERE article_id = NEW.id);
    END""",
    """CREATE TRIGGER articles_article_fts_delete AFTER DELETE ON articles_article BEGIN
        DELETE FROM articles_article_fts WHERE rowid = OLD.id;
    END""",
    # Rows that exist already.
    f"""INSERT INTO articles_quote_fts (rowid, text, speaker, headline, body)
        SELECT q.id, q.text, {SQLITE_SPEAKER_NAMES.format(speaker="q.speaker_id")},
               a.headline, a.body
        FROM articles_quote q LEFT JOIN articles_article a ON a.id = q.article_id""",
    """INSERT INTO articles_article_fts (rowid, headline, standfirst, body)
        SELECT id, headline, standfirst, body FROM articles_article""",
]

SQLITE_REVERSE = [
    *(
        f"DROP TRIGGER IF EXISTS {name}"
        for name in (
            "articles_quote_fts_insert",
            "articles_quote_fts_update",
            "articles_quote_fts_delete",
            "articles_speaker_fts_insert",
            "articles_speaker_fts_update",
            "articles_speakeralias_fts_insert",
            "articles_speakeralias_fts_update",
            "articles_speakeralias_fts_delete",
            "articles_article_fts_insert",
            "articles_article_fts_update",
            "articles_article_fts_delete",
        )
    ),
    "DROP TABLE IF EXISTS articles_quote_fts",
    "DROP TABLE IF EXISTS articles_article_fts",
]

POSTGRES = [
    # Missing speaker or article rows (loaddata may insert a quote first) count as empty text;
    # their own insert triggers then refresh the quote.
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
            || setweight(to_tsvector('english', coalesce((
                   SELECT body FROM articles_article WHERE id = article), '')), 'D')
    $$
    """,
    """
    CREATE FUNCTION articles_quote_search_vector_trigger() RETURNS trigger AS $$
    BEGIN
        NEW.search_vector := articles_quote_search_vector(NEW.text, NEW.speaker_id, NEW.article_id);
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    # Firing on "search_vector" too lets the triggers below refresh a quote by setting it NULL.
    """
    CREATE TRIGGER quote_search_vector
    BEFORE INSERT OR UPDATE OF text, speaker_id, article_id, search_vector ON articles_quote
    FOR EACH ROW EXECUTE FUNCTION articles_quote_search_vector_trigger()
    """,
    """
    CREATE FUNCTION articles_article_search_vector_trigger() RETURNS trigger AS $$
    BEGIN
        NEW.search_vector :=
            setweight(to_tsvector('english', coalesce(NEW.headline, '')), 'A')
            || setweight(to_tsvector('english', coalesce(NEW.standfirst, '')), 'B')
            || setweight(to_tsvector('english', coalesce(NEW.body, '')), 'C');
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER article_search_vector
    BEFORE INSERT OR UPDATE OF headline, standfirst, body, search_vector ON articles_article
    FOR EACH ROW EXECUTE FUNCTION articles_article_search_vector_trigger()
    """,
    """
    CREATE FUNCTION articles_refresh_quote_vectors() RETURNS trigger AS $$
    BEGIN
        -- OLD is only read under TG_OP = 'UPDATE': an expression's OR does not short-circuit.
        IF TG_TABLE_NAME = 'articles_article' THEN
            IF TG_OP = 'UPDATE' THEN
                IF OLD.headline IS NOT DISTINCT FROM NEW.headline
                   AND OLD.body IS NOT DISTINCT FROM NEW.body THEN
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
    AFTER INSERT OR UPDATE OF headline, body ON articles_article
    FOR EACH ROW EXECUTE FUNCTION articles_refresh_quote_vectors()
    """,
    """
    CREATE TRIGGER speaker_refresh_quote_vectors
    AFTER INSERT OR UPDATE OF name ON articles_speaker
    FOR EACH ROW EXECUTE FUNCTION articles_refresh_quote_vectors()
    """,
    """
    CREATE TRIGGER speakeralias_refresh_quote_vectors
    AFTER INSERT OR UPDATE OR DELETE ON articles_speakeralias
    FOR EACH ROW EXECUTE FUNCTION articles_refresh_quote_vectors()
    """,
    # Rows that exist already.
    "UPDATE articles_article SET search_vector = NULL",
    "UPDATE articles_quote SET search_vector = NULL",
    "CREATE INDEX quote_search_vector_gin ON articles_quote USING gin (search_vector)",
    "CREATE INDEX article_search_vector_gin ON articles_article USING gin (search_vector)",
]

POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS quote_search_vector_gin",
    "DROP INDEX IF EXISTS article_search_vector_gin",
    "DROP TRIGGER IF EXISTS speakeralias_refresh_quote_vectors ON articles_speakeralias",
    "DROP TRIGGER IF EXISTS speaker_refresh_quote_vectors ON articles_speaker",
    "DROP TRIGGER IF EXISTS article_refresh_quote_vectors ON articles_article",
    "DROP FUNCTION IF EXISTS articles_refresh_quote_vectors()",
    "DROP TRIGGER IF EXISTS article_search_vector ON articles_article",
    "DROP FUNCTION IF EXISTS articles_article_search_vector_trigger()",
    "DROP TRIGGER IF EXISTS quote_search_vector ON articles_quote",
    "DROP FUNCTION IF EXISTS articles_quote_search_vector_trigger()",
    "DROP FUNCTION IF EXISTS articles_quote_search_vector(text, bigint, bigint)",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": POSTGRES, "sqlite": SQLITE}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql, params=None)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("articles", "0002_quote_offsets_trigger")]

    operations = [
        migrations.AddField(
            model_name="article",
            name="search_vector",
            field=SearchVectorField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="quote",
            name="search_vector",
            field=SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(forwards, backwards),
    ]
