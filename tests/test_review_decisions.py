"""Review tags -> decisions -> items, and item -> sample fields: pure logic, no database."""

from __future__ import annotations

import pytest

from curator.errors import CuratorError
from curator.review.decisions import Decision, apply_decisions, decision_from_tags, decisions_from_tags
from curator.review.fields import sample_fields, score_field
from manifests.model import Detection, Item, Manifest, Provenance, Reason, Review

A, B, C = "a" * 64, "b" * 64, "c" * 64


def _manifest(*items: Item) -> Manifest:
    return Manifest(created="2026-01-01T00:00:00+00:00", stage="process", items=list(items))


def test_tags_express_decisions():
    assert decision_from_tags([]) is None
    assert decision_from_tags(["my own note"]) is None
    assert decision_from_tags(["reject"]) == Decision("reject")
    assert decision_from_tags(["accept"]) == Decision("accept")
    assert decision_from_tags(["label:fox", "accept"]) == Decision("relabel", "fox")


@pytest.mark.parametrize("tags", [["reject", "accept"], ["reject", "label:fox"], ["label:fox", "label:cat"]])
def test_conflicting_tags_are_reported_together(tags):
    with pytest.raises(CuratorError, match=r"conflicting review tags on 2 sample\(s\)") as exc:
        decisions_from_tags({A: tags, B: list(tags), C: ["reject"]})
    assert A[:12] in str(exc.value) and B[:12] in str(exc.value)


def test_apply_rejects_restores_and_relabels_copies():
    corrupt = Reason(code="blur", stage="process", score=3.0, threshold=10.0)
    base = _manifest(Item(id=A, bytes=1), Item(id=B, bytes=1, status="rejected", reasons=[corrupt]), Item(id=C, bytes=1, label="cat"))
    decisions = {A: Decision("reject"), B: Decision("accept"), C: Decision("relabel", "fox")}
    items = {it.id: it for it in apply_decisions(base, decisions, None, "ann", "T1")}

    assert items[A].status == "rejected" and [r.code for r in items[A].reasons] == ["review"]
    assert items[A].review == Review(decision="reject", reviewer="ann", time="T1")
    # accept overrides an earlier stage's rejection but keeps its reason as the record
    assert items[B].status == "kept" and items[B].reasons == [corrupt]
    assert items[C].label == "fox" and items[C].review.decision == "relabel" and items[C].review.label == "fox"
    assert base.items[0].status == "kept" and base.items[2].label == "cat"  # base untouched


def test_same_decision_keeps_its_time_and_removed_tag_reverts():
    base = _manifest(Item(id=A, bytes=1), Item(id=B, bytes=1))
    first = _manifest(*apply_decisions(base, {A: Decision("reject"), B: Decision("reject")}, None, "ann", "T1"))
    again = apply_decisions(base, {A: Decision("reject"), B: Decision("reject")}, first, "ann", "T2")
    assert [it.model_dump() for it in again] == [it.model_dump() for it in first.items]

    untagged_b = {it.id: it for it in apply_decisions(base, {A: Decision("reject")}, first, "ann", "T3")}
    assert untagged_b[B].status == "kept" and untagged_b[B].review is None and untagged_b[B].reasons == []
    assert untagged_b[A].review.time == "T1"


def test_sample_fields_of_a_processed_crop_and_a_bare_import():
    crop = Item(
        id=A, bytes=10, derived_from=B, cluster=3, label="fox", duplicate_group="g1", duplicate_of=C,
        sources=[Provenance(site="danbooru", artist="someone", licence="cc-by", url="http://x/1.png")],
        detection=Detection(detector="animeface", kind="anime_face", box=(0, 0, 5, 5), score=0.9),
        scores={"blur": 120.5, "zeroshot:a fox": 0.7}, flags=[Reason(code="outlier", stage="cluster")],
    )
    f = sample_fields(crop, "/ws/objects/bb/" + B)
    assert (f["site"], f["artist"], f["licence"], f["url"]) == ("danbooru", "someone", "cc-by", "http://x/1.png")
    assert (f["detector"], f["detection_score"], f["cluster"], f["label"]) == ("animeface", 0.9, 3, "fox")
    assert (f["duplicate_group"], f["duplicate_of"], f["is_representative"]) == ("g1", C, False)
    assert f["flags"] == ["outlier"] and f["source_image"].endswith(B)
    assert f[score_field("zeroshot:a fox")] == 0.7 and score_field("zeroshot:a fox") == "score_zeroshot_a_fox"

    bare = sample_fields(Item(id=C, bytes=1, status="rejected", reasons=[Reason(code="corrupt", stage="import", detail="bad")]), None)
    assert bare["reasons"] == ["corrupt"] and bare["reason_details"] == ["import:corrupt bad"]
    assert bare["detector"] is None and bare["cluster"] is None and bare["is_representative"] is None
