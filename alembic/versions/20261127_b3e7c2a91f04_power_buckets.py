"""15-minute power buckets per plant and per organization (the fleet curve's source)

Revision ID: b3e7c2a91f04
Revises: 9d4b1f6e3a27
Create Date: 2026-11-27 02:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

import woms_app.core.types  # noqa: F401  (UTCDateTime)

revision: str = 'b3e7c2a91f04'
down_revision: Union[str, Sequence[str], None] = '9d4b1f6e3a27'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

APP_ROLE = "woms_app"
TABLES = ("plant_power_15m", "org_power_15m")


def upgrade(engine_name: str) -> None:
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name: str) -> None:
    globals()["downgrade_%s" % engine_name]()


def upgrade_main() -> None:
    pass


def downgrade_main() -> None:
    pass


def upgrade_telemetry() -> None:
    op.create_table(
        'plant_power_15m',
        sa.Column('plant_id', sa.Integer(), nullable=False),
        sa.Column('bucket', woms_app.core.types.UTCDateTime(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('power_sum_kw', sa.Float(), nullable=False),
        sa.Column('readings', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('plant_id', 'bucket', name=op.f('pk_plant_power_15m')),
    )
    op.create_index(op.f('ix_plant_power_15m_org_id'), 'plant_power_15m', ['org_id'], unique=False)
    op.create_table(
        'org_power_15m',
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('bucket', woms_app.core.types.UTCDateTime(), nullable=False),
        sa.Column('power_kw', sa.Float(), nullable=False),
        sa.Column('plants', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('org_id', 'bucket', name=op.f('pk_org_power_15m')),
    )
    if op.get_bind().dialect.name == "postgresql":  # the same row-level security as the other telemetry tables
        sql = ""
        for t in TABLES:
            sql += f"""
GRANT SELECT, INSERT, UPDATE, DELETE ON {t} TO {APP_ROLE};
ALTER TABLE {t} ENABLE ROW LEVEL SECURITY;
ALTER TABLE {t} FORCE ROW LEVEL SECURITY;
CREATE POLICY {t}_read ON {t} FOR SELECT USING (woms_can_read(org_id));
CREATE POLICY {t}_insert ON {t} FOR INSERT WITH CHECK (woms_can_write(org_id));
CREATE POLICY {t}_update ON {t} FOR UPDATE USING (woms_can_write(org_id)) WITH CHECK (woms_can_write(org_id));
CREATE POLICY {t}_delete ON {t} FOR DELETE USING (woms_can_write(org_id));
"""
        op.execute(sql)
    _backfill()


def _backfill() -> None:
    """Today's curve from the readings already stored (the last 48 h), self-contained (no app code)."""
    from datetime import datetime, timedelta, timezone

    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    if pg:  # the owner is subject to row-level security too (FORCE): act as the system for this transaction
        bind.execute(sa.text("SELECT set_config('woms.role', 'SYSTEM', true)"))
    since = datetime.now(timezone.utc) - timedelta(hours=48)
    readings = sa.table("telemetry_readings", sa.column("plant_id"), sa.column("org_id"),
                        sa.column("ts", woms_app.core.types.UTCDateTime()), sa.column("generation_power_kw"))
    rows = bind.execute(sa.select(readings.c.plant_id, readings.c.org_id, readings.c.ts,
                                  readings.c.generation_power_kw)
                        .where(readings.c.ts >= since, readings.c.generation_power_kw.is_not(None))).all()
    plant: dict[tuple, list] = {}
    for pid, oid, ts, kw in rows:
        s = int(ts.timestamp() // 900) * 900
        acc = plant.setdefault((pid, s), [oid, 0.0, 0])
        acc[1] += float(kw)
        acc[2] += 1
    org: dict[tuple, list] = {}
    for (pid, s), (oid, total, n) in plant.items():
        acc = org.setdefault((oid, s), [0.0, 0])
        acc[0] += total / n
        acc[1] += 1
    at = lambda s: datetime.fromtimestamp(s, tz=timezone.utc)  # noqa: E731
    pt = sa.table("plant_power_15m", sa.column("plant_id"), sa.column("bucket", woms_app.core.types.UTCDateTime()),
                  sa.column("org_id"), sa.column("power_sum_kw"), sa.column("readings"))
    ot = sa.table("org_power_15m", sa.column("org_id"), sa.column("bucket", woms_app.core.types.UTCDateTime()),
                  sa.column("power_kw"), sa.column("plants"))
    if plant:
        bind.execute(pt.insert(), [{"plant_id": pid, "bucket": at(s), "org_id": v[0], "power_sum_kw": v[1],
                                    "readings": v[2]} for (pid, s), v in plant.items()])
        bind.execute(ot.insert(), [{"org_id": oid, "bucket": at(s), "power_kw": v[0], "plants": v[1]}
                                   for (oid, s), v in org.items()])


def downgrade_telemetry() -> None:
    op.drop_table('org_power_15m')
    op.drop_index(op.f('ix_plant_power_15m_org_id'), table_name='plant_power_15m')
    op.drop_table('plant_power_15m')
