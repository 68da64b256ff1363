"""alerts: acknowledged_at / acknowledged_by / ack_note

Revision ID: a17a0c4e5d01
Revises: c5d1a7e3f9b2
Create Date: 2026-12-07 23:55:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import woms_app.core.types  # noqa: F401  (UTCDateTime)

revision: str = 'a17a0c4e5d01'
down_revision: Union[str, Sequence[str], None] = 'c5d1a7e3f9b2'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade(engine_name: str) -> None:
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name: str) -> None:
    globals()["downgrade_%s" % engine_name]()


def upgrade_main() -> None:
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('acknowledged_at', woms_app.core.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('acknowledged_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('ack_note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False,
                                      server_default=''))
        batch_op.create_foreign_key('fk_alerts_acknowledged_by_accounts', 'accounts', ['acknowledged_by'], ['id'],
                                    ondelete='SET NULL')


def downgrade_main() -> None:
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_constraint('fk_alerts_acknowledged_by_accounts', type_='foreignkey')
        batch_op.drop_column('ack_note')
        batch_op.drop_column('acknowledged_by')
        batch_op.drop_column('acknowledged_at')


def upgrade_telemetry() -> None:
    pass


def downgrade_telemetry() -> None:
    pass
