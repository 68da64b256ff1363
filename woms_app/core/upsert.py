"""Portable bulk upsert (INSERT … ON CONFLICT DO UPDATE) for SQLite and PostgreSQL."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session


def upsert(session: Session, model: Any, rows: Sequence[dict[str, Any]], *, keys: Sequence[str],
           update: Sequence[str] | None = None, chunk: int = 500) -> int:
    """Insert ``rows`` into ``model``'s table; on a conflict on ``keys`` update the ``update`` columns
    (default: every other column present in the rows). Returns the number of rows sent."""
    if not rows:
        return 0
    table = model.__table__
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - only the two supported backends
        raise NotImplementedError(f"upsert is not implemented for {dialect}")
    columns = list(rows[0].keys())
    update = list(update) if update is not None else [c for c in columns if c not in keys]
    # SQLite limits bound parameters per statement (32766); stay well below
    chunk = max(1, min(chunk, 30000 // max(1, len(columns))))
    for i in range(0, len(rows), chunk):
        stmt = insert(table).values(list(rows[i : i + chunk]))
        if update:
            stmt = stmt.on_conflict_do_update(index_elements=list(keys),
                                              set_={c: getattr(stmt.excluded, c) for c in update})
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
        session.execute(stmt)
    return len(rows)


__all__ = ["upsert", "sa"]
