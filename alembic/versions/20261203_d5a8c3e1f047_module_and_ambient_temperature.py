"""telemetry_readings: module and ambient temperature in two columns; plant_daily_kpis revisions

``temperature_c`` held the module (back-of-module sensor) temperature, as the vendor layer defines it; it is
renamed ``module_temperature_c`` with its data, and ``ambient_temperature_c`` (which the adapters parse and the
upsert dropped) is added. ``plant_daily_kpis`` gains ``revisions`` / ``revised_at``: a final day recomputed
because its readings changed is counted there.

Revision ID: d5a8c3e1f047
Revises: c8d2e5f1a7b3
Create Date: 2026-12-03 17:40:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

import woms_app.core.types  # noqa: F401  (UTCDateTime)

revision: str = 'd5a8c3e1f047'
down_revision: Union[str, Sequence[str], None] = 'c8d2e5f1a7b3'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade(engine_name: str) -> None:
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name: str) -> None:
    globals()["downgrade_%s" % engine_name]()


def upgrade_main() -> None:
    pass


def downgrade_main() -> None:
    pass


def upgrade_telemetry() -> None:
    # plain ALTERs: on PostgreSQL the partitioned parent carries them to every partition (existing rows keep
    # their values: a rename moves no data)
    op.execute("ALTER TABLE telemetry_readings RENAME COLUMN temperature_c TO module_temperature_c")
    op.add_column('telemetry_readings', sa.Column('ambient_temperature_c', sa.Float(), nullable=True))
    with op.batch_alter_table('plant_daily_kpis', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revisions', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('revised_at', woms_app.core.types.UTCDateTime(timezone=True), nullable=True))


def downgrade_telemetry() -> None:
    with op.batch_alter_table('plant_daily_kpis', schema=None) as batch_op:
        batch_op.drop_column('revised_at')
        batch_op.drop_column('revisions')
    op.execute("ALTER TABLE telemetry_readings DROP COLUMN ambient_temperature_c")
    op.execute("ALTER TABLE telemetry_readings RENAME COLUMN module_temperature_c TO temperature_c")
