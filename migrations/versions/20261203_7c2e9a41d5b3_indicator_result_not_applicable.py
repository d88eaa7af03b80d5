"""indicator result: not applicable (不适用) with its reason

Revision ID: 7c2e9a41d5b3
Revises: 46912d72b8a5
Create Date: 2026-12-03 21:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c2e9a41d5b3'
down_revision = '46912d72b8a5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('indicator_results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('not_applicable', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('indicator_results', schema=None) as batch_op:
        batch_op.drop_column('not_applicable')
