"""demo_documents issues the circular, the sent notices and a few score sheets of the latest published campaign."""
from __future__ import annotations

import random

from sqlalchemy import select

from assess.demo.documents import demo_documents
from assess.models import DocumentKind, IssuedDocument
from tests.test_documents_app_support import published_campaign


def test_demo_documents(db, tenant_a):
    office = tenant_a.office
    demo_documents(office, random.Random(1))  # nothing published yet: settings and seal only
    assert office.doc_prefix and office.seal_key and office.authority_mark.endswith("文件")
    assert db.session.scalars(select(IssuedDocument)).first() is None
    published_campaign(tenant_a, configure=False)
    demo_documents(office, random.Random(1))
    docs = db.session.scalars(select(IssuedDocument).order_by(IssuedDocument.id)).all()
    kinds = [d.kind for d in docs]
    assert kinds.count(DocumentKind.CIRCULAR) == 1 and kinds.count(DocumentKind.NOTICE) == 2
    assert kinds.count(DocumentKind.SCORESHEET) == 2
    assert [d.seq for d in docs if d.seq] == [1, 2, 3]
    demo_documents(office, random.Random(1))  # again: nothing issued twice
    assert len(db.session.scalars(select(IssuedDocument)).all()) == len(docs)
