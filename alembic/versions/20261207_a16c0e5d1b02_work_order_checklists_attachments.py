"""Work-order checklists (per-organization templates, copied onto work orders) and attachments (issue 16)

On PostgreSQL the new tables get row-level security like the others: templates by their organization, their items
through the template, checklists and attachments through their work order, checklist items through the checklist.

Revision ID: a16c0e5d1b02
Revises: a16c0e5d1b01
Create Date: 2026-12-07 23:50:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

import woms_app.core.types  # noqa: F401  (UTCDateTime)

revision: str = 'a16c0e5d1b02'
down_revision: Union[str, Sequence[str], None] = 'a16c0e5d1b01'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

APP_ROLE = "woms_app"

_VIA_WO = "EXISTS (SELECT 1 FROM work_orders w WHERE w.id = work_order_id AND woms_can_{0}(w.org_id))"
# table -> (read, write) condition of its policies
POLICIES = {
    "checklist_templates": ("woms_can_read(org_id)", "woms_can_write(org_id)"),
    "checklist_template_items": tuple(
        f"EXISTS (SELECT 1 FROM checklist_templates t WHERE t.id = template_id AND woms_can_{k}(t.org_id))"
        for k in ("read", "write")),
    "work_order_checklists": (_VIA_WO.format("read"), _VIA_WO.format("write")),
    "work_order_checklist_items": tuple(
        "EXISTS (SELECT 1 FROM work_order_checklists c JOIN work_orders w ON w.id = c.work_order_id "
        f"WHERE c.id = checklist_id AND woms_can_{k}(w.org_id))" for k in ("read", "write")),
    "work_order_attachments": (_VIA_WO.format("read"), _VIA_WO.format("write")),
}


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


def upgrade(engine_name: str) -> None:
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name: str) -> None:
    globals()["downgrade_%s" % engine_name]()


def upgrade_main() -> None:
    op.create_table('checklist_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('wo_type', sa.Enum('corrective', 'preventive', 'inspection', 'cleaning', 'other', name='work_order_type', native_enum=False, create_constraint=True, length=14), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', woms_app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', woms_app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['accounts.id'], name=op.f('fk_checklist_templates_created_by_accounts')),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_checklist_templates_org_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_templates')),
    sa.UniqueConstraint('org_id', 'name', name=op.f('uq_checklist_templates_org_id_name'))
    )
    op.create_index(op.f('ix_checklist_templates_org_id'), 'checklist_templates', ['org_id'], unique=False)
    op.create_table('checklist_template_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.ForeignKeyConstraint(['template_id'], ['checklist_templates.id'], name=op.f('fk_checklist_template_items_template_id_checklist_templates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_template_items'))
    )
    op.create_index(op.f('ix_checklist_template_items_template_id'), 'checklist_template_items', ['template_id'], unique=False)
    op.create_table('work_order_checklists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=True),
    sa.Column('plant_id', sa.Integer(), nullable=True),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('wo_type', sa.Enum('corrective', 'preventive', 'inspection', 'cleaning', 'other', name='work_order_type', native_enum=False, create_constraint=True, length=14), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', woms_app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['accounts.id'], name=op.f('fk_work_order_checklists_created_by_accounts')),
    sa.ForeignKeyConstraint(['plant_id'], ['plants.id'], name=op.f('fk_work_order_checklists_plant_id_plants')),
    sa.ForeignKeyConstraint(['template_id'], ['checklist_templates.id'], name=op.f('fk_work_order_checklists_template_id_checklist_templates'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_work_order_checklists_work_order_id_work_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_checklists'))
    )
    op.create_index(op.f('ix_work_order_checklists_work_order_id'), 'work_order_checklists', ['work_order_id'], unique=False)
    op.create_table('work_order_checklist_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checklist_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('result', sa.Enum('pass', 'flag', 'fail', name='checklist_result', native_enum=False, create_constraint=True, length=8), nullable=True),
    sa.Column('reading', sa.Float(), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('recorded_at', woms_app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['checklist_id'], ['work_order_checklists.id'], name=op.f('fk_work_order_checklist_items_checklist_id_work_order_checklists'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by'], ['accounts.id'], name=op.f('fk_work_order_checklist_items_recorded_by_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_checklist_items'))
    )
    op.create_index(op.f('ix_work_order_checklist_items_checklist_id'), 'work_order_checklist_items', ['checklist_id'], unique=False)
    op.create_table('work_order_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('checklist_item_id', sa.Integer(), nullable=True),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('storage_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('thumbnail_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('uploaded_by', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', woms_app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['checklist_item_id'], ['work_order_checklist_items.id'], name=op.f('fk_work_order_attachments_checklist_item_id_work_order_checklist_items'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['uploaded_by'], ['accounts.id'], name=op.f('fk_work_order_attachments_uploaded_by_accounts')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_work_order_attachments_work_order_id_work_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_attachments'))
    )
    op.create_index(op.f('ix_work_order_attachments_checklist_item_id'), 'work_order_attachments', ['checklist_item_id'], unique=False)
    op.create_index(op.f('ix_work_order_attachments_work_order_id'), 'work_order_attachments', ['work_order_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("".join(_policies(t, read, write) for t, (read, write) in POLICIES.items()))


def downgrade_main() -> None:
    op.drop_index(op.f('ix_work_order_attachments_work_order_id'), table_name='work_order_attachments')
    op.drop_index(op.f('ix_work_order_attachments_checklist_item_id'), table_name='work_order_attachments')
    op.drop_table('work_order_attachments')
    op.drop_index(op.f('ix_work_order_checklist_items_checklist_id'), table_name='work_order_checklist_items')
    op.drop_table('work_order_checklist_items')
    op.drop_index(op.f('ix_work_order_checklists_work_order_id'), table_name='work_order_checklists')
    op.drop_table('work_order_checklists')
    op.drop_index(op.f('ix_checklist_template_items_template_id'), table_name='checklist_template_items')
    op.drop_table('checklist_template_items')
    op.drop_index(op.f('ix_checklist_templates_org_id'), table_name='checklist_templates')
    op.drop_table('checklist_templates')


def upgrade_telemetry() -> None:
    pass


def downgrade_telemetry() -> None:
    pass
