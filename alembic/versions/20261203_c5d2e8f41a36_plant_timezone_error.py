"""plants.timezone_error: the vendor's time zone of a plant could not be understood

Revision ID: c5d2e8f41a36
Revises: d5a8c3e1f047
Create Date: 2026-12-03 17:50:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'c5d2e8f41a36'
down_revision: Union[str, Sequence[str], None] = 'd5a8c3e1f047'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade(engine_name: str) -> None:
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name: str) -> None:
    globals()["downgrade_%s" % engine_name]()


def upgrade_main() -> None:
    with op.batch_alter_table('plants') as batch:
        batch.add_column(sa.Column('timezone_error', sa.String(length=200), nullable=True))


def downgrade_main() -> None:
    with op.batch_alter_table('plants') as batch:
        batch.drop_column('timezone_error')


def upgrade_telemetry() -> None:
    pass


def downgrade_telemetry() -> None:
    pass
