"""The conversation search index, one row per conversation, of words already cut by `cases.segment`:
SQLite, an FTS5 virtual table (rowid = the conversation's id); PostgreSQL, a table with a tsvector column
under a GIN index. Rows are written by `cases.services.search`; `advocate search-reindex` builds them all.
Django knows the table as the model `SearchDocument` (so that flushing a database empties it too) but never
reads it through the ORM; no foreign key, so truncating conversations is never refused."""

from django.db import migrations, models, router

SQL = {
    "sqlite": (
        ["CREATE VIRTUAL TABLE cases_search USING fts5(document, tokenize = 'unicode61 remove_diacritics 2')"],
        ["DROP TABLE cases_search"],
    ),
    "postgresql": (
        ["CREATE TABLE cases_search (conversation_id bigint PRIMARY KEY, document tsvector NOT NULL)",
         "CREATE INDEX cases_search_document ON cases_search USING GIN (document)"],
        ["DROP TABLE cases_search"],
    ),
}


class VendorSQL(migrations.RunSQL):
    """RunSQL whose statements are chosen by the database vendor."""

    def __init__(self, statements):
        self.statements = statements
        super().__init__(sql="", reverse_sql="")

    def deconstruct(self):
        return self.__class__.__qualname__, [self.statements], {}

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if router.allow_migrate(schema_editor.connection.alias, app_label, **self.hints):
            for statement in self.statements[schema_editor.connection.vendor][0]:
                schema_editor.execute(statement, params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if not router.allow_migrate(schema_editor.connection.alias, app_label, **self.hints):
            return
        for statement in self.statements[schema_editor.connection.vendor][1]:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0004_conversation_owner_and_viewers"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[VendorSQL(SQL)],
            state_operations=[migrations.CreateModel(
                name="SearchDocument",
                fields=[("conversation_id", models.BigIntegerField(primary_key=True, serialize=False)),
                        ("document", models.TextField())],
                options={"db_table": "cases_search"},
            )],
        ),
    ]
