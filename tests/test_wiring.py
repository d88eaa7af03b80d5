"""Rules one capability adds to another are registered by ``create_app``, never as a side effect of an import:
publishing is guarded whatever modules a process happened to import."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from assess.campaigns.services import PRECONDITIONS
from assess.models import CampaignState
from assess.review import services as review

ROOT = Path(__file__).resolve().parent.parent


def test_the_app_guards_recheck_and_publication_with_the_review_checks(app):
    assert review.review_complete in PRECONDITIONS[CampaignState.RECHECK]
    assert review.review_complete in PRECONDITIONS[CampaignState.PUBLISHED]
    assert review.contests_answered in PRECONDITIONS[CampaignState.PUBLISHED]


def test_a_fresh_app_registers_them_and_an_import_alone_does_not(tmp_path):
    script = textwrap.dedent(f"""
        from assess.campaigns.services import PRECONDITIONS
        from assess.models import CampaignState
        from assess.review import services as review

        registered = lambda: [review.review_complete in PRECONDITIONS[CampaignState.RECHECK],
                              review.review_complete in PRECONDITIONS[CampaignState.PUBLISHED],
                              review.contests_answered in PRECONDITIONS[CampaignState.PUBLISHED]]
        assert registered() == [False] * 3, "registered on import"

        from assess import create_app

        for _ in range(2):  # idempotent: a second app does not add them twice
            create_app({{"SECRET_KEY": "x", "TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                         "STORAGE_DIR": {str(tmp_path)!r}}})
        assert registered() == [True] * 3, registered()
        assert PRECONDITIONS[CampaignState.PUBLISHED].count(review.review_complete) == 1
        """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
