"""vendors: call allowance, calls used and planned-work markers; sync_runs.vendor_calls

Revision ID: c5d1a7e3f9b2
Revises: c5d2e8f41a36
Create Date: 2026-12-03 17:40:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import woms_app.core.types  # noqa: F401  (UTCDateTime)

revision: str = 'c5d1a7e3f9b2'
down_revision: Union[str, Sequence[str], None] = 'c5d2e8f41a36'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TIMES = ("quota_period_start", "quota_used_since", "quota_checked_at", "power_polled_at", "frames_synced_at",
         "lists_refreshed_at")


def upgrade(engine_name: str) -> None:
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name: str) -> None:
    globals()["downgrade_%s" % engine_name]()


def upgrade_main() -> None:
    with op.batch_alter_table('vendors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quota_calls', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('quota_period', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False,
                                      server_default='year'))
        batch_op.add_column(sa.Column('quota_source', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False,
                                      server_default='configured'))
        batch_op.add_column(sa.Column('quota_calls_used', sa.Integer(), nullable=False, server_default='0'))
        for name in TIMES:
            batch_op.add_column(sa.Column(name, woms_app.core.types.UTCDateTime(), nullable=True))
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vendor_calls', sa.Integer(), nullable=False, server_default='0'))


def downgrade_main() -> None:
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.drop_column('vendor_calls')
    with op.batch_alter_table('vendors', schema=None) as batch_op:
        for name in reversed(TIMES):
            batch_op.drop_column(name)
        batch_op.drop_column('quota_calls_used')
        batch_op.drop_column('quota_source')
        batch_op.drop_column('quota_period')
        batch_op.drop_column('quota_calls')


def upgrade_telemetry() -> None:
    pass


def downgrade_telemetry() -> None:
    pass
