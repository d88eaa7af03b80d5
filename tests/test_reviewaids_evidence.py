"""Review aids on evidence: reused files (the same bytes, a re-saved PDF, a cropped screenshot) and evidence that
cannot support the claim (a dead link, a document without the indicator's key terms, one misdated) — each
with files made here; the prints are kept; a flag never changes a score; a submission is checked when it
is submitted."""
from __future__ import annotations

import json
import socket
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from assess.extensions import db
from assess.models import Answer, EvidencePrint, IndicatorResult, ReviewFlag, SubmissionState
from assess.reviewaids import evidence_text, links, perceptual
from assess.reviewaids import services as aids
from tests import aids_evidence_fixtures as fx
from tests.review_aids_world import build

TRAINING = ("关于举办政府信息公开业务培训班的通知\n各乡镇、县直各单位：为提高依申请公开答复质量，定于五月中旬举办培训。\n"
            "请各单位选派一名业务骨干参加，培训期间食宿统一安排。\n县政务公开办\n{year}年4月10日")
NOTICE = "关于调整县政务公开工作领导小组的通知\n各股室：经研究，决定调整领导小组成员如下。\n2026年3月5日"


def _flags(campaign, kind):
    return db.session.scalars(select(ReviewFlag).where(ReviewFlag.campaign_id == campaign.id,
                                                       ReviewFlag.kind == kind).order_by(ReviewFlag.id)).all()


@pytest.fixture()
def world(tenant_a):
    return build(tenant_a)


# --- the pure parts ------------------------------------------------------------------------------------------


def test_a_cropped_reencoded_screenshot_is_near_an_unrelated_picture_is_not():
    shot = fx.screenshot(2)
    original = perceptual.image_hashes(fx.png(shot))[0]
    cropped = perceptual.image_hashes(fx.cropped_jpeg(shot))[0]
    unrelated = perceptual.image_hashes(fx.unrelated_picture())[0]
    other_page = perceptual.image_hashes(fx.png(fx.screenshot(4)))[0]  # same site, other content
    assert perceptual.distance(original, cropped) <= perceptual.MAX_DISTANCE
    assert perceptual.distance(original, unrelated) > perceptual.MAX_DISTANCE
    assert perceptual.distance(original, other_page) > perceptual.MAX_DISTANCE
    index = perceptual.HashIndex()
    for key, h in (("png", original), ("jpg", cropped), ("chart", unrelated), ("page2", other_page)):
        index.add(key, h)
    assert {frozenset(p[:2]) for p in index.pairs()} == {frozenset({"png", "jpg"})}
    assert {frozenset(p[:2]) for p in index.pairs(focus={"chart"})} == set()


def test_a_resaved_pdf_has_other_bytes_and_the_same_page_hashes():
    data = fx.pdf(NOTICE)
    again = fx.resaved(data)
    assert data != again
    assert perceptual.pdf_hashes(data) == perceptual.pdf_hashes(again) != []


def test_key_terms_dates_and_text():
    assert evidence_text.key_terms("领导小组", ["成立（调整）领导小组的文件"]) == ["领导", "导小", "小组", "成立", "调整"]
    assert evidence_text.key_terms("领导小组", keywords=["领导小组", " "]) == ["领导小组"]
    text = evidence_text.extract_text(fx.pdf(NOTICE), "pdf")
    assert evidence_text.mentions(text, ["小组", "便民"]) == ["小组"]
    assert evidence_text.dates_in("2019年修订。于2026年3月5日、2026-03-31 及 2026/2/30 印发") == [
        date(2026, 3, 5), date(2026, 3, 31)]
    assert "便民服务" in evidence_text.extract_text(fx.docx("便民服务大厅"), "docx")
    assert evidence_text.extract_text(b"not a pdf", "pdf") == ""


class _Handler(BaseHTTPRequestHandler):
    def _answer(self):
        self.send_response(200 if self.path == "/ok" else 404)
        self.end_headers()

    do_HEAD = do_GET = _answer

    def log_message(self, *args):
        pass


@pytest.fixture()
def http_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def _refusing_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_link_status_answers_404_and_refused(http_server):
    assert links.status(f"{http_server}/ok", allow_private=True) == 200
    assert links.status(f"{http_server}/gone", allow_private=True) == 404
    assert links.status(f"http://127.0.0.1:{_refusing_port()}/", timeout=2, allow_private=True) == links.NO_ANSWER
    # the platform's own network is not asked unless the office's deployment allows it
    assert links.status(f"{http_server}/gone") == links.NOT_CHECKED


# --- reused evidence -------------------------------------------------------------------------------------------


def test_reused_evidence_across_departments_indicators_and_years(world, app):
    campaign, subs, old = world
    shot = fx.screenshot(2)
    a_png = fx.attach(subs["A"], "B3", "门户网站截图.png", fx.png(shot))
    b_jpg = fx.attach(subs["B"], "B3", "网站截图.jpg", fx.cropped_jpeg(shot))  # another department, cropped
    notice = fx.pdf(NOTICE)
    a_pdf1 = fx.attach(subs["A"], "A1", "领导小组通知.pdf", notice)
    a_pdf2 = fx.attach(subs["A"], "A3", "会议纪要.pdf", notice)  # the same file for another indicator
    # C hands in last year's training notice again, re-dated and saved by another program
    last_year = fx.attach(old["C"], "A5", "2025培训通知.pdf", fx.pdf(TRAINING.format(year=2025)))
    c_again = fx.attach(subs["C"], "A5", "2026培训通知.pdf", fx.resaved(fx.pdf(TRAINING.format(year=2026))))
    d_chart = fx.attach(subs["D"], "B3", "统计图.png", fx.unrelated_picture())
    counts = aids.run_checks(campaign)
    flags = {f.evidence_id: f for f in _flags(campaign, "reused_evidence")}
    assert set(flags) == {a_png.id, b_jpg.id, a_pdf1.id, a_pdf2.id, c_again.id}
    assert counts["reused_evidence"] == 5 and d_chart.id not in flags and last_year.id not in flags

    b = json.loads(flags[b_jpg.id].detail)
    assert b["others"][0]["evidence_id"] == a_png.id and b["others"][0]["how"] == "similar"
    assert b["others"][0]["department"] == subs["A"].department_name and b["others"][0]["indicator"] == "B3"
    assert flags[b_jpg.id].other_department_id == subs["A"].department_id
    assert flags[b_jpg.id].answer_id == db.session.scalar(select(Answer.id).where(
        Answer.submission_id == subs["B"].id, Answer.indicator_code == "B3"))
    a1 = json.loads(flags[a_pdf1.id].detail)
    assert [(o["evidence_id"], o["how"], o["indicator"]) for o in a1["others"]] == [(a_pdf2.id, "same_file", "A3")]
    c = json.loads(flags[c_again.id].detail)
    assert [(o["evidence_id"], o["year"], o["current"]) for o in c["others"]] == [(last_year.id, 2025, False)]
    assert flags[c_again.id].other_campaign_id == old["C"].campaign_id


def test_prints_are_kept_so_a_rerun_renders_nothing(world, monkeypatch):
    campaign, subs, old = world
    notice = fx.pdf(NOTICE)
    fx.attach(subs["A"], "A1", "a.pdf", notice)
    fx.attach(subs["B"], "A1", "b.pdf", fx.resaved(notice))
    aids.run_checks(campaign)
    assert db.session.scalar(select(EvidencePrint.hashes).where(EvidencePrint.department_id == subs["A"].department_id))

    def boom(*_a, **_k):
        raise AssertionError("rendered again")

    monkeypatch.setattr(perceptual, "pdf_hashes", boom)
    monkeypatch.setattr(evidence_text, "extract_text", boom)
    assert aids.run_checks(campaign)["reused_evidence"] == 2


def test_a_kind_switched_off_is_neither_run_nor_shown(world):
    campaign, subs, old = world
    notice = fx.pdf(NOTICE)
    fx.attach(subs["A"], "A1", "a.pdf", notice)
    fx.attach(subs["B"], "A1", "b.pdf", notice)
    aids.run_checks(campaign)
    assert aids.flags_for(subs["A"], "A1")
    aids.update_settings(campaign, enabled=["copied_text", "figure_jump", "weak_evidence"], jump_ratio="3",
                         jump_z="3.5", text_similarity="0.5")
    assert [v for v in aids.flags_for(subs["A"], "A1") if v.flag.kind == "reused_evidence"] == []
    assert "reused_evidence" not in aids.run_checks(campaign)


# --- evidence that cannot support the claim ----------------------------------------------------------------------


def test_weak_evidence_dead_links_off_topic_and_misdated_documents(world, app, http_server, monkeypatch):
    monkeypatch.setitem(app.config, "AIDS_CHECK_PRIVATE_LINKS", True)
    monkeypatch.setitem(app.config, "AIDS_LINK_TIMEOUT", 2)
    campaign, subs, old = world
    campaign.self_deadline = date(2027, 1, 31)
    a = subs["A"]
    ok = fx.link(a, "B3", f"{http_server}/ok", "年报页面")
    gone = fx.link(a, "B3", f"{http_server}/gone", "旧链接")
    refused = fx.link(a, "B3", f"http://127.0.0.1:{_refusing_port()}/report", "打不开的链接")
    good = fx.attach(a, "A1", "领导小组.pdf", fx.pdf(NOTICE))
    off = fx.attach(a, "A1", "大厅.docx", fx.docx("便民服务大厅设置咨询窗口两个。\n2026年6月1日"))
    late = fx.attach(a, "A1", "补发.pdf", fx.pdf(NOTICE.replace("2026年3月5日", "2027年2月20日")))
    stale = fx.attach(a, "A1", "旧文件.pdf", fx.pdf(NOTICE.replace("2026年3月5日", "2024年4月1日")))
    scan = fx.attach(a, "A1", "扫描件.png", fx.png(fx.screenshot(5)))  # no text: nothing can be said
    aids.run_checks(campaign)
    found = {(f.evidence_id, f.field) for f in _flags(campaign, "weak_evidence")}
    assert found == {(gone.id, "dead_link"), (refused.id, "dead_link"), (off.id, "off_topic"),
                     (late.id, "dated_late"), (stale.id, "outside_year")}
    assert not {ok.id, good.id, scan.id} & {e for e, _f in found}
    details = {(f.evidence_id, f.field): json.loads(f.detail) for f in _flags(campaign, "weak_evidence")}
    assert details[(gone.id, "dead_link")]["status"] == 404 and details[(refused.id, "dead_link")]["status"] == 0
    assert "小组" in details[(off.id, "off_topic")]["terms"]
    assert (details[(late.id, "dated_late")]["date"], details[(late.id, "dated_late")]["deadline"]) == (
        "2027-02-20", "2027-01-31")
    assert details[(stale.id, "outside_year")]["date"] == "2024-04-01"
    views = {v.flag.field: v for v in aids.flags_for(a, "A1")}
    assert views["off_topic"].field_label == "未提及本指标的关键词" and views["off_topic"].kind_label == "佐证材料存疑"


def test_evidence_flags_never_change_a_score(world):
    campaign, subs, old = world
    notice = fx.pdf(NOTICE)
    fx.attach(subs["A"], "A1", "a.pdf", notice)
    fx.attach(subs["B"], "A1", "b.pdf", notice)
    fx.attach(subs["C"], "A1", "c.docx", fx.docx("便民服务大厅"))
    before = [(a.id, a.self_score, a.suggested_score) for a in
              db.session.scalars(select(Answer).where(Answer.campaign_id == campaign.id).order_by(Answer.id))]
    states = [(s.id, s.state) for s in subs.values()]
    counts = aids.run_checks(campaign)
    assert counts["reused_evidence"] == 2 and counts["weak_evidence"] >= 1
    assert [(a.id, a.self_score, a.suggested_score) for a in
            db.session.scalars(select(Answer).where(Answer.campaign_id == campaign.id).order_by(Answer.id))] == before
    assert [(s.id, s.state) for s in subs.values()] == states
    assert db.session.scalars(select(IndicatorResult).where(IndicatorResult.campaign_id == campaign.id)).all() == []


# --- incremental: a submission is checked when it is submitted ----------------------------------------------------


def test_a_submission_is_checked_when_its_leader_submits_it(world, tenant_a, monkeypatch):
    from assess.models import CampaignState
    from assess.selfassessment import flow

    campaign, subs, old = world
    campaign.state = CampaignState.SELF_ASSESSMENT
    notice = fx.pdf(NOTICE)
    b_ev = fx.attach(subs["B"], "A1", "b.pdf", notice)
    late = subs["A"]
    late.state = SubmissionState.AWAITING_LEADER
    a_ev = fx.attach(late, "A4", "a.pdf", fx.resaved(notice))
    db.session.flush()
    assert _flags(campaign, "reused_evidence") == []
    leader = tenant_a.users["dept_admin"]
    assert leader.department_id == late.department_id
    monkeypatch.setattr(flow, "blocking", lambda _r: [])  # the sample answers are complete enough here
    flow.leader_submit(late, actor=leader)
    flags = {(f.department_id, f.evidence_id) for f in _flags(campaign, "reused_evidence")}
    assert flags == {(late.department_id, a_ev.id), (subs["B"].department_id, b_ev.id)}  # its own and the other side's


# --- the pages ------------------------------------------------------------------------------------------------


def test_the_reviewer_sees_the_mark_beside_the_evidence_and_the_office_sees_the_new_kinds(client, login, tenant_a, world):
    from assess.review import services as review_services

    campaign, subs, old = world
    notice = fx.pdf(NOTICE)
    a_ev = fx.attach(subs["A"], "A1", "领导小组通知.pdf", notice)
    b_ev = fx.attach(subs["B"], "A1", "调整领导小组.pdf", fx.resaved(notice))
    review_services.assign(campaign, subs["B"].department_id, tenant_a.users["reviewer"], actor=None)
    aids.run_checks(campaign)
    login("office-a-reviewer")
    page = client.get(f"/review/submissions/{subs['B'].id}?code=A1").get_data(as_text=True)
    # the mark sits inside the evidence item's own <li>, with the other department, indicator and year
    evidence_list = page[page.index('<ul class="evidence">'):]
    item = evidence_list[evidence_list.index("调整领导小组.pdf"):]
    item = item[:item.index("</form>")]
    assert "佐证材料重复使用" in item and subs["A"].department_name in item and "A1" in item and "2026" in item
    assert "忽略此提示" in item
    flag = db.session.scalars(select(ReviewFlag).where(ReviewFlag.evidence_id == b_ev.id)).one()
    assert client.post(f"/review-aids/flags/{flag.id}/dismiss", data={"reason": "同一文件", "back": "sheet"}).status_code == 302
    login("office-a-office_admin")
    listing = client.get(f"/review-aids/campaigns/{campaign.id}").get_data(as_text=True)
    assert "佐证材料重复使用" in listing and f'id="flag-{flag.id}"' not in listing  # dismissed: not in the open list
    assert a_ev.title in listing or "领导小组通知" in listing
    ok = client.post(f"/review-aids/campaigns/{campaign.id}/settings",
                     data={"copied_text": "y", "weak_evidence": "y", "jump_ratio": "3", "jump_z": "3.5",
                           "text_similarity": "0.5"}, follow_redirects=True)
    assert "设置已保存" in ok.get_data(as_text=True)
    assert aids.enabled_kinds(aids.settings_for(campaign)) == ["copied_text", "weak_evidence"]
