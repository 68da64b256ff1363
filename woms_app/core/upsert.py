"""Portable INSERT … ON CONFLICT for SQLite and PostgreSQL: the one place the dialect is chosen.

* ``insert_for(session, table)`` — the dialect's INSERT (with ``on_conflict_do_update`` / ``_do_nothing``), for
  statements that need more than a plain upsert (increments, DO NOTHING on a partial index, a lock row);
* ``upsert(session, model, rows, keys=…)`` — bulk INSERT … ON CONFLICT DO UPDATE of plain rows.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_for(session: Session, table: sa.Table) -> Any:
    """The dialect's INSERT (with ON CONFLICT support) for ``table``."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"upserts are implemented for SQLite and PostgreSQL, not {name}")


def upsert(session: Session, model: Any, rows: Sequence[dict[str, Any]], *, keys: Sequence[str],
           update: Sequence[str] | None = None, chunk: int = 500) -> int:
    """Insert ``rows`` into ``model``'s table; on a conflict on ``keys`` update the ``update`` columns
    (default: every other column present in the rows). Returns the number of rows sent."""
    if not rows:
        return 0
    table = model.__table__
    columns = list(rows[0].keys())
    update = list(update) if update is not None else [c for c in columns if c not in keys]
    # SQLite limits bound parameters per statement (32766); stay well below
    chunk = max(1, min(chunk, 30000 // max(1, len(columns))))
    for i in range(0, len(rows), chunk):
        stmt = insert_for(session, table).values(list(rows[i : i + chunk]))
        if update:
            stmt = stmt.on_conflict_do_update(index_elements=list(keys),
                                              set_={c: getattr(stmt.excluded, c) for c in update})
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
        session.execute(stmt)
    return len(rows)


__all__ = ["insert_for", "upsert"]
