"""login_attempts.ip: throttle failed logins per client address too

Revision ID: 9d4b1f6e3a27
Revises: 7c3e9a4d2b61
Create Date: 2026-11-27 11:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '9d4b1f6e3a27'
down_revision: Union[str, Sequence[str], None] = '7c3e9a4d2b61'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade(engine_name: str) -> None:
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name: str) -> None:
    globals()["downgrade_%s" % engine_name]()


def upgrade_main() -> None:
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
                                      server_default=''))
        batch_op.create_index('ix_login_attempts_ip_at', ['ip', 'attempted_at'], unique=False)


def downgrade_main() -> None:
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempts_ip_at')
        batch_op.drop_column('ip')


def upgrade_telemetry() -> None:
    pass


def downgrade_telemetry() -> None:
    pass
