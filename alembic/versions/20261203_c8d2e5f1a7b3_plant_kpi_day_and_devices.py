"""Plants keep their latest final KPI day (PR, specific yield) for the plants list's SQL sort; plant devices

Revision ID: c8d2e5f1a7b3
Revises: b3e7c2a91f04
Create Date: 2026-12-03 17:30:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

import woms_app.core.types  # noqa: F401  (UTCDateTime)

revision: str = 'c8d2e5f1a7b3'
down_revision: Union[str, Sequence[str], None] = 'b3e7c2a91f04'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

APP_ROLE = "woms_app"


def upgrade(engine_name: str) -> None:
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name: str) -> None:
    globals()["downgrade_%s" % engine_name]()


def upgrade_main() -> None:
    with op.batch_alter_table('plants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kpi_day', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('kpi_pr', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('kpi_yield_kwh_kwp', sa.Float(), nullable=True))
    op.create_table(
        'plant_devices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('plant_id', sa.Integer(), nullable=False),
        sa.Column('sn', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('last_data_at', woms_app.core.types.UTCDateTime(), nullable=True),
        sa.Column('seen_at', woms_app.core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_plant_devices_org_id_organizations')),
        sa.ForeignKeyConstraint(['plant_id'], ['plants.id'], name=op.f('fk_plant_devices_plant_id_plants'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_plant_devices')),
        sa.UniqueConstraint('plant_id', 'sn', name=op.f('uq_plant_devices_plant_id_sn')),
    )
    op.create_index(op.f('ix_plant_devices_org_id'), 'plant_devices', ['org_id'], unique=False)
    op.create_index(op.f('ix_plant_devices_plant_id'), 'plant_devices', ['plant_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":  # the same row-level security as the other org tables
        op.execute(f"""
GRANT SELECT, INSERT, UPDATE, DELETE ON plant_devices TO {APP_ROLE};
GRANT USAGE, SELECT, UPDATE ON SEQUENCE plant_devices_id_seq TO {APP_ROLE};
ALTER TABLE plant_devices ENABLE ROW LEVEL SECURITY;
ALTER TABLE plant_devices FORCE ROW LEVEL SECURITY;
CREATE POLICY plant_devices_read ON plant_devices FOR SELECT USING (woms_can_read(org_id));
CREATE POLICY plant_devices_insert ON plant_devices FOR INSERT WITH CHECK (woms_can_write(org_id));
CREATE POLICY plant_devices_update ON plant_devices FOR UPDATE USING (woms_can_write(org_id))
  WITH CHECK (woms_can_write(org_id));
CREATE POLICY plant_devices_delete ON plant_devices FOR DELETE USING (woms_can_write(org_id));
""")


def downgrade_main() -> None:
    op.drop_index(op.f('ix_plant_devices_plant_id'), table_name='plant_devices')
    op.drop_index(op.f('ix_plant_devices_org_id'), table_name='plant_devices')
    op.drop_table('plant_devices')
    with op.batch_alter_table('plants', schema=None) as batch_op:
        batch_op.drop_column('kpi_yield_kwh_kwp')
        batch_op.drop_column('kpi_pr')
        batch_op.drop_column('kpi_day')


def upgrade_telemetry() -> None:
    pass


def downgrade_telemetry() -> None:
    pass
