"""The organisation tree: VWU central > provincial chapters > commune chapters; CSO networks >
their members. Subtrees are read with one recursive query on the organisation table (PostgreSQL
and SQLite both run `WITH RECURSIVE`), so nothing has to be kept in step when an organisation
moves: `Organisation.parent` is the only fact."""

from collections.abc import Iterable

from django.db import connection

# `UNION` (not `UNION ALL`) drops rows already found, so even a cycle written straight into the
# database (the model and the admin refuse one) ends the recursion instead of running forever.
_SUBTREE = """
WITH RECURSIVE subtree(id) AS (
    SELECT id FROM {table} WHERE parent_id IN ({placeholders})
    UNION
    SELECT o.id FROM {table} o JOIN subtree s ON o.parent_id = s.id
)
SELECT id FROM subtree
"""


def descendant_ids(organisation_ids: Iterable[int]) -> set[int]:
    """Every organisation below these (children, their children, ...), in one query; the
    organisations themselves only when one of them is below another."""
    from portal.models import Organisation

    roots = sorted({int(pk) for pk in organisation_ids})
    if not roots:
        return set()
    # Only our own table's name and one "%s" per id are put into the text; the ids are parameters.
    sql = _SUBTREE.format(
        table=connection.ops.quote_name(Organisation._meta.db_table),
        placeholders=", ".join(["%s"] * len(roots)),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, roots)
        return {row[0] for row in cursor.fetchall()}
