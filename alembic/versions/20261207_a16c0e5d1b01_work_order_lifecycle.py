"""Issue 16 core: ORG roles (manager | technician), work-order type / assignee / due time, on hold, SLA clocks and
targets, closure taxonomy (seeded), closure fields, comments

Revision ID: a16c0e5d1b01
Revises: a17a0c4e5d01
Create Date: 2026-12-07 23:50:00

"""
from datetime import UTC, datetime, timedelta
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import woms_app.core.types  # noqa: F401  (UTCDateTime)

revision: str = 'a16c0e5d1b01'
down_revision: Union[str, Sequence[str], None] = 'a17a0c4e5d01'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

APP_ROLE = "woms_app"
OLD_STATUSES = ('OPEN', 'IN_PROGRESS', 'DONE', 'CANCELLED')
NEW_STATUSES = ('OPEN', 'IN_PROGRESS', 'ON_HOLD', 'DONE', 'CANCELLED')
TYPES = ('corrective', 'preventive', 'inspection', 'cleaning', 'other')
#: the default targets of services/sla.py at the time of this revision (minutes: response, resolution), used to
#: give the work orders that exist before it their SLA clocks
DEFAULT_SLA = {"CRITICAL": (240, 1440), "HIGH": (480, 4320), "MEDIUM": (1440, 10080), "LOW": (4320, 43200)}

#: the closure taxonomy: problem code, label, causes [(code, label)], remedies [(code, label)] — solar failure modes
TAXONOMY = [
    ("inverter_trip", "Inverter trip", [
        ("inverter_overtemp", "Over-temperature (cooling, fans, filters)"),
        ("inverter_grid_protection", "Grid protection trip (voltage / frequency out of range)"),
        ("inverter_hw_fault", "Inverter hardware fault (IGBT, board, capacitor)"),
        ("inverter_firmware", "Firmware or configuration error"),
    ], [
        ("inverter_reset", "Reset / restart the inverter"),
        ("inverter_clean_cooling", "Clean filters, repair fans or cooling"),
        ("inverter_replace_part", "Replace the failed part"),
        ("inverter_replace", "Replace the inverter"),
        ("inverter_update_firmware", "Update firmware or settings"),
    ]),
    ("string_dc_fault", "String or DC fault", [
        ("dc_connector", "Failed or burnt MC4 connector"),
        ("dc_fuse", "Blown string fuse"),
        ("dc_cable", "Damaged DC cable (rodents, abrasion)"),
        ("module_failure", "Failed module (hot spot, bypass diode, cracked glass)"),
    ], [
        ("dc_replace_connector", "Replace the connector"),
        ("dc_replace_fuse", "Replace the fuse"),
        ("dc_repair_cable", "Repair or replace the cable"),
        ("module_replace", "Replace the module"),
    ]),
    ("insulation_fault", "Insulation / ground fault", [
        ("iso_moisture", "Moisture in a junction box or connector"),
        ("iso_cable_damage", "Cable insulation damage"),
        ("iso_module", "Module insulation failure (backsheet, frame)"),
    ], [
        ("iso_dry_reseal", "Dry and reseal the enclosure"),
        ("iso_replace_cable", "Replace the damaged cable"),
        ("iso_replace_module", "Replace the module"),
    ]),
    ("soiling", "Soiling", [
        ("soiling_dust", "Dust or sand"),
        ("soiling_bird", "Bird droppings"),
        ("soiling_industrial", "Industrial or agricultural deposits"),
    ], [
        ("soiling_clean", "Clean the modules"),
        ("soiling_schedule", "Change the cleaning schedule"),
    ]),
    ("shading_vegetation", "Shading / vegetation", [
        ("shade_vegetation", "Vegetation growth"),
        ("shade_structure", "New structure or object casting shade"),
    ], [
        ("shade_cut_vegetation", "Cut back the vegetation"),
        ("shade_remove_object", "Remove or relocate the object"),
    ]),
    ("grid_outage", "Grid outage", [
        ("grid_utility_outage", "Utility outage"),
        ("grid_curtailment", "Curtailment or export limit by the utility"),
        ("grid_breaker_trip", "Site breaker or transformer trip"),
    ], [
        ("grid_wait_restore", "Wait for the utility to restore the grid"),
        ("grid_reset_breaker", "Reset the breaker / transformer protection"),
        ("grid_adjust_limit", "Adjust the export limit settings"),
    ]),
    ("communication_loss", "Communication loss", [
        ("comm_logger", "Data logger or gateway failure"),
        ("comm_network", "Network / SIM / internet outage"),
        ("comm_power", "Logger power supply lost"),
    ], [
        ("comm_restart_logger", "Restart the logger"),
        ("comm_replace_logger", "Replace the logger or modem"),
        ("comm_restore_network", "Restore the network connection"),
    ]),
    ("tracker", "Tracker", [
        ("tracker_motor", "Motor or gearbox failure"),
        ("tracker_controller", "Controller or sensor fault"),
        ("tracker_stow", "Stuck in stow (wind / snow)"),
    ], [
        ("tracker_repair_motor", "Repair or replace the motor"),
        ("tracker_reset_controller", "Reset or recalibrate the controller"),
        ("tracker_release_stow", "Release the stow position"),
    ]),
    ("other", "Other", [
        ("other_cause", "Other cause (see the resolution note)"),
    ], [
        ("other_remedy", "Other remedy (see the resolution note)"),
    ]),
]


def upgrade(engine_name: str) -> None:
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name: str) -> None:
    globals()["downgrade_%s" % engine_name]()


def _is_pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _enum(values, name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True,
                   length=max(len(v) for v in values) + 4)


def _policies(table: str, read: str, write: str) -> str:
    return f"""
GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE};
GRANT USAGE, SELECT, UPDATE ON SEQUENCE {table}_id_seq TO {APP_ROLE};
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
CREATE POLICY {table}_read ON {table} FOR SELECT USING ({read});
CREATE POLICY {table}_insert ON {table} FOR INSERT WITH CHECK ({write});
CREATE POLICY {table}_update ON {table} FOR UPDATE USING ({write}) WITH CHECK ({write});
CREATE POLICY {table}_delete ON {table} FOR DELETE USING ({write});
"""


def upgrade_main() -> None:
    # ---- closure taxonomy (global reference data: every role reads it, only migrations change it)
    op.create_table(
        'closure_codes',
        sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('parent_code', sa.String(length=40), nullable=True),
        sa.Column('level', _enum(('problem', 'cause', 'remedy'), 'closure_level'), nullable=False),
        sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column('sort', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['parent_code'], ['closure_codes.code'],
                                name=op.f('fk_closure_codes_parent_code_closure_codes')),
        sa.PrimaryKeyConstraint('code', name=op.f('pk_closure_codes')),
    )
    op.create_index(op.f('ix_closure_codes_parent_code'), 'closure_codes', ['parent_code'], unique=False)
    rows = []
    for i, (code, label, causes, remedies) in enumerate(TAXONOMY):
        rows.append({"code": code, "parent_code": None, "level": "problem", "label": label, "sort": i})
        rows += [{"code": c, "parent_code": code, "level": "cause", "label": lbl, "sort": j}
                 for j, (c, lbl) in enumerate(causes)]
        rows += [{"code": c, "parent_code": code, "level": "remedy", "label": lbl, "sort": j}
                 for j, (c, lbl) in enumerate(remedies)]
    closure = sa.table('closure_codes', sa.column('code'), sa.column('parent_code'), sa.column('level'),
                       sa.column('label'), sa.column('sort'))
    op.bulk_insert(closure, [r for r in rows if r["parent_code"] is None])
    op.bulk_insert(closure, [r for r in rows if r["parent_code"] is not None])

    # ---- accounts: the role of an ORG account inside its organization (today's ORG accounts are managers)
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('org_role', _enum(('manager', 'technician'), 'org_role'), nullable=True))
    op.execute("UPDATE accounts SET org_role = 'manager' WHERE account_type = 'ORG'")
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f('ck_accounts_org_role_matches_type'),
            "(account_type = 'ORG' AND org_role IS NOT NULL) OR (account_type <> 'ORG' AND org_role IS NULL)")
    _restore_email_index()

    # ---- work orders
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_work_orders_work_order_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_work_orders_work_order_status'),
                                         sa.column('status').in_(NEW_STATUSES))
        batch_op.add_column(sa.Column('wo_type', _enum(TYPES, 'work_order_type'), nullable=False,
                                      server_default='corrective'))
        batch_op.add_column(sa.Column('assignee_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('due_at', woms_app.core.types.UTCDateTime(), nullable=True))
        for name in ('sla_started_at', 'responded_at', 'response_due_at', 'resolution_due_at', 'hold_started_at'):
            batch_op.add_column(sa.Column(name, woms_app.core.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('held_seconds', sa.Integer(), server_default='0', nullable=False))
        for name in ('problem_code', 'cause_code', 'remedy_code'):
            batch_op.add_column(sa.Column(name, sa.String(length=40), nullable=True))
            batch_op.create_foreign_key(op.f(f'fk_work_orders_{name}_closure_codes'), 'closure_codes', [name],
                                        ['code'])
        batch_op.add_column(sa.Column('resolution_note', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('downtime_start', woms_app.core.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('downtime_end', woms_app.core.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('cancel_reason', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('lost_energy_kwh', sa.Float(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_work_orders_assignee_id_accounts'), 'accounts', ['assignee_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_work_orders_assignee_id'), ['assignee_id'], unique=False)
    _backfill_sla()

    op.create_table(
        'sla_targets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('priority', _enum(('LOW', 'MEDIUM', 'HIGH', 'CRITICAL'), 'priority'), nullable=False),
        sa.Column('response_minutes', sa.Integer(), nullable=False),
        sa.Column('resolution_minutes', sa.Integer(), nullable=False),
        sa.Column('updated_at', woms_app.core.types.UTCDateTime(), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=True),
        sa.CheckConstraint('response_minutes > 0 AND resolution_minutes >= response_minutes',
                           name=op.f('ck_sla_targets_sla_minutes_order')),
        sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_sla_targets_org_id_organizations')),
        sa.ForeignKeyConstraint(['updated_by'], ['accounts.id'], name=op.f('fk_sla_targets_updated_by_accounts')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_targets')),
        sa.UniqueConstraint('org_id', 'priority', name=op.f('uq_sla_targets_org_id_priority')),
    )
    op.create_index(op.f('ix_sla_targets_org_id'), 'sla_targets', ['org_id'], unique=False)

    op.create_table(
        'work_order_comments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('work_order_id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=True),
        sa.Column('at', woms_app.core.types.UTCDateTime(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_work_order_comments_account_id_accounts')),
        sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'],
                                name=op.f('fk_work_order_comments_work_order_id_work_orders'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_comments')),
    )
    op.create_index(op.f('ix_work_order_comments_work_order_id'), 'work_order_comments', ['work_order_id'],
                    unique=False)

    if _is_pg():  # the same row-level security as the other org tables; the taxonomy is read-only for the app
        via = "EXISTS (SELECT 1 FROM work_orders w WHERE w.id = work_order_id AND woms_can_{0}(w.org_id))"
        op.execute(
            _policies("sla_targets", "woms_can_read(org_id)", "woms_can_write(org_id)")
            + _policies("work_order_comments", via.format("read"), via.format("write"))
            + f"GRANT SELECT ON closure_codes TO {APP_ROLE};\n"
            + f"REVOKE INSERT, UPDATE, DELETE ON closure_codes FROM {APP_ROLE};\n")


def _restore_email_index() -> None:
    """SQLite's batch mode rebuilds the table without the expression index it cannot reflect: put it back."""
    if not _is_pg():
        op.execute("CREATE UNIQUE INDEX IF NOT EXISTS uq_accounts_email_lower ON accounts (lower(email))")


def _backfill_sla() -> None:
    """Work orders from before this revision get their clocks: started at creation, the default targets of their
    priority, responded at their first move to IN_PROGRESS (from the history)."""
    conn = op.get_bind()
    if _is_pg():  # row-level security applies to a non-superuser owner too (FORCE): act as the system
        conn.execute(sa.text("SELECT set_config('woms.role', 'SYSTEM', true)"))
    UTC_T = woms_app.core.types.UTCDateTime()
    wo = sa.table('work_orders', sa.column('id', sa.Integer), sa.column('priority', sa.String),
                  sa.column('created_at', UTC_T), sa.column('sla_started_at', UTC_T),
                  sa.column('responded_at', UTC_T), sa.column('response_due_at', UTC_T),
                  sa.column('resolution_due_at', UTC_T))
    ev = sa.table('work_order_events', sa.column('work_order_id', sa.Integer), sa.column('at', UTC_T),
                  sa.column('kind', sa.String), sa.column('to_status', sa.String))
    started = dict(conn.execute(sa.select(ev.c.work_order_id, sa.func.min(ev.c.at))
                                .where(ev.c.kind == 'status', ev.c.to_status == 'IN_PROGRESS')
                                .group_by(ev.c.work_order_id)).all())
    for wo_id, priority, created in conn.execute(sa.select(wo.c.id, wo.c.priority, wo.c.created_at)).all():
        if isinstance(created, str):  # an aggregate-free read still comes back typed; belt and braces
            created = datetime.fromisoformat(created)
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        resp, res = DEFAULT_SLA.get(priority, DEFAULT_SLA["MEDIUM"])
        responded = started.get(wo_id)
        if isinstance(responded, str):
            responded = datetime.fromisoformat(responded)
        if responded is not None and responded.tzinfo is None:
            responded = responded.replace(tzinfo=UTC)
        conn.execute(wo.update().where(wo.c.id == wo_id).values(
            sla_started_at=created, responded_at=responded, response_due_at=created + timedelta(minutes=resp),
            resolution_due_at=created + timedelta(minutes=res)))


def downgrade_main() -> None:
    op.drop_index(op.f('ix_work_order_comments_work_order_id'), table_name='work_order_comments')
    op.drop_table('work_order_comments')
    op.drop_index(op.f('ix_sla_targets_org_id'), table_name='sla_targets')
    op.drop_table('sla_targets')
    if _is_pg():
        op.execute("SELECT set_config('woms.role', 'SYSTEM', true)")
    op.execute("UPDATE work_orders SET status = 'IN_PROGRESS' WHERE status = 'ON_HOLD'")
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_orders_assignee_id'))
        batch_op.drop_constraint(op.f('fk_work_orders_assignee_id_accounts'), type_='foreignkey')
        for name in ('problem_code', 'cause_code', 'remedy_code'):
            batch_op.drop_constraint(op.f(f'fk_work_orders_{name}_closure_codes'), type_='foreignkey')
        batch_op.drop_constraint(op.f('ck_work_orders_work_order_type'), type_='check')
        for name in ('lost_energy_kwh', 'cancel_reason', 'downtime_end', 'downtime_start', 'resolution_note', 'remedy_code',
                     'cause_code', 'problem_code', 'held_seconds', 'hold_started_at', 'resolution_due_at',
                     'response_due_at', 'responded_at', 'sla_started_at', 'due_at', 'assignee_id', 'wo_type'):
            batch_op.drop_column(name)
        batch_op.drop_constraint(op.f('ck_work_orders_work_order_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_work_orders_work_order_status'),
                                         sa.column('status').in_(OLD_STATUSES))
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_accounts_org_role_matches_type'), type_='check')
        batch_op.drop_constraint(op.f('ck_accounts_org_role'), type_='check')
        batch_op.drop_column('org_role')
    _restore_email_index()
    op.drop_index(op.f('ix_closure_codes_parent_code'), table_name='closure_codes')
    op.drop_table('closure_codes')


def upgrade_telemetry() -> None:
    pass


def downgrade_telemetry() -> None:
    pass
