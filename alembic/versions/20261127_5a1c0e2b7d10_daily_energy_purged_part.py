"""plant_daily_energy: purged part of a day (retention roll-ups stay idempotent)

Revision ID: 5a1c0e2b7d10
Revises: 1f3b4bed4059
Create Date: 2026-11-27 09:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import sqlmodel.sql.sqltypes  # noqa: F401
import woms_app.core.types  # noqa: F401  (UTCDateTime)


# revision identifiers, used by Alembic.
revision: str = '5a1c0e2b7d10'
down_revision: Union[str, Sequence[str], None] = '1f3b4bed4059'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade(engine_name: str) -> None:
    """Upgrade schema."""
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name: str) -> None:
    """Downgrade schema."""
    globals()["downgrade_%s" % engine_name]()


def upgrade_main() -> None:
    pass


def downgrade_main() -> None:
    pass


def upgrade_telemetry() -> None:
    with op.batch_alter_table('plant_daily_energy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purged_energy_kwh', sa.Float(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('purged_readings', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('purged_covered_s', sa.Float(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('purged_last_ts', woms_app.core.types.UTCDateTime(timezone=True), nullable=True))


def downgrade_telemetry() -> None:
    with op.batch_alter_table('plant_daily_energy', schema=None) as batch_op:
        batch_op.drop_column('purged_last_ts')
        batch_op.drop_column('purged_covered_s')
        batch_op.drop_column('purged_readings')
        batch_op.drop_column('purged_energy_kwh')
