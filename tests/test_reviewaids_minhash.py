"""The MinHash/LSH and copied-text detection of the review aids, pure (no database)."""
from __future__ import annotations

from assess.reviewaids.copied import Text, boilerplate, find_copies
from assess.reviewaids.minhash import MinHasher, candidate_pairs, estimate, jaccard, normalize, shingles

ORIGINAL = ("今年我局依托门户网站开设了社保政策解读专栏，全年发布图解材料二十四篇，并通过微信公众号同步推送，"
            "群众留言均在三个工作日内答复。")
EDITED = ("今年本局依托门户网站开设了社保政策解读专栏，全年发布图解材料二十六篇，并通过微信公众号同步推送，"
          "群众留言均在三个工作日内答复。")
OTHER = "乡镇便民服务中心设置政务公开专区，配备查阅终端两台，安排专人值守，每季度更新办事指南。"
BOILER = "根据县政府办公室关于做好本年度政务公开工作的通知要求，结合本单位实际。"


def test_normalize_ignores_punctuation_width_and_case():
    assert normalize("ＡＢ c，。 1２") == "abc12"


def test_minhash_estimates_jaccard():
    a, b = shingles(ORIGINAL), shingles(EDITED)
    h = MinHasher(256)
    assert abs(estimate(h.signature(a), h.signature(b)) - jaccard(a, b)) < 0.15
    assert h.signature(a) == MinHasher(256).signature(a)  # seeded: runs agree


def test_banding_proposes_near_duplicates_only():
    h = MinHasher(64)
    sigs = {"orig": h.signature(shingles(ORIGINAL)), "edit": h.signature(shingles(EDITED)),
            "other": h.signature(shingles(OTHER))}
    pairs = candidate_pairs(sigs, 32, 2)
    assert ("orig", "edit") in pairs
    assert ("orig", "other") not in pairs and ("edit", "other") not in pairs


def test_copied_passage_with_small_edits_is_found_both_ways():
    texts = [Text("a", 1, True, BOILER + ORIGINAL), Text("b", 2, True, EDITED + "另外，我们还组织了两次培训。"),
             Text("c", 3, True, OTHER)]
    matches = {(m.key, m.other): m for m in find_copies(texts)}
    assert set(matches) == {("a", "b"), ("b", "a")}
    m = matches[("b", "a")]
    assert m.passages and m.passages[0][0].startswith("今年本局") and m.passages[0][1].startswith("今年我局")
    assert 0.5 < m.similarity < 1


def test_different_texts_are_not_flagged():
    texts = [Text("a", 1, True, ORIGINAL), Text("c", 3, True, OTHER),
             Text("d", 4, True, "县档案馆建成政府信息查阅中心，全年接待查阅群众一百二十人次，并编制年度公开指南。")]
    assert find_copies(texts) == []


def test_boilerplate_common_across_the_campaign_is_not_flagged():
    own = [ORIGINAL, OTHER, "建立健全依申请公开登记台账，全年受理申请十五件，均按期答复。", "完善政策解读机制，主要负责同志带头解读重要政策三次。",
           "开展政府开放日活动两次，邀请人大代表和群众代表参加。"]
    texts = [Text(f"d{i}", i, True, BOILER + body) for i, body in enumerate(own)]
    assert BOILER[2:7] in boilerplate(texts)
    assert find_copies(texts) == []


def test_the_rubric_wording_is_ignored():
    rubric = "本单位设有政务公开工作领导小组，由主要负责同志担任组长，分管负责同志和承办科室明确。"
    texts = [Text("a", 1, True, rubric + "我们落实了。"), Text("b", 2, True, rubric + "已经落实。")]
    assert find_copies(texts) != []
    assert find_copies(texts, ignore=shingles(rubric)) == []


def test_same_department_last_year_counts_other_departments_last_year_do_not():
    texts = [Text("now", 1, True, ORIGINAL), Text("mine-2025", 1, False, EDITED), Text("theirs-2025", 2, False, EDITED)]
    assert [(m.key, m.other) for m in find_copies(texts)] == [("now", "mine-2025")]
