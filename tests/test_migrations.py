"""The migrations build the same schema as the models, from empty, and downgrade back to empty."""
from __future__ import annotations


from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from assess import create_app
from assess.extensions import db
from tests.dbutil import fresh_database_url




def test_upgrade_from_empty_matches_models_and_downgrades(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_database_url(tmp_path, "mig"), "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        assert diff == [], f"models and migrations differ — run `flask --app wsgi db migrate`: {diff}"
        downgrade(revision="base")
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        db.engine.dispose()
