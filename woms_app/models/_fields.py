"""Field helpers for the SQLModel tables."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from woms_app.core.clock import utcnow
from woms_app.core.types import UTCDateTime, enum_type


def ts_field(*, nullable: bool = True, default_now: bool = False, index: bool = False) -> Any:
    """A timezone-aware UTC timestamp column."""
    kwargs: dict[str, Any] = {}
    if default_now:
        kwargs["default_factory"] = utcnow
    else:
        kwargs["default"] = None
    return Field(sa_column=sa.Column(UTCDateTime(), nullable=nullable, index=index), **kwargs)


def enum_field(enum_cls, name: str, *, default=None, index: bool = False) -> Any:
    kwargs: dict[str, Any] = {}
    if default is not None:
        kwargs["default"] = default
    return Field(sa_column=sa.Column(enum_type(enum_cls, name), nullable=False, index=index), **kwargs)


def fk(target: str, *, nullable: bool = False, index: bool = True, ondelete: str | None = None) -> Any:
    return Field(
        default=None,
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey(target, ondelete=ondelete), nullable=nullable, index=index
        ),
    )


__all__ = ["ts_field", "enum_field", "fk", "datetime"]
