"""The corpus scorer: pairing labels with extracted claims and counting fields, on a tiny
corpus written here whose right answers are counted by hand."""

from __future__ import annotations

import datetime as dt

import orjson
import pytest

from frontwatch.claims.evaluate import claim_fields, evaluate, field_right, label_fields, load_corpus
from frontwatch.claims.model import Claim, Quantity, Window
from frontwatch.errors import InputFileError

TEXT = "Ukraine retook 1000 km2 in a week\n\nThe weather was fine.\n"


def _write(folder, labels, text=TEXT, name="01-test"):
    (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    (folder / f"{name}.json").write_bytes(orjson.dumps({"published": "2022-09-10", "claims": labels}))


def _label(**kw):
    base = {"quote": "retook 1000 km2", "kind": "area_change", "claimant": None, "stance": "claims",
            "side": "UA", "place": None, "scope": None, "quantity": 1000, "unit": "km2",
            "qualifier": "exact", "window_from": "2022-09-03", "window_to": "2022-09-10"}  # fmt: skip
    return {**base, **kw}


def test_a_right_label_scores_every_field(tmp_path):
    _write(tmp_path, [_label()])
    score = evaluate(load_corpus(tmp_path))
    d = score.as_dict()
    assert (d["labels"], d["matched"], d["extracted"]) == (1, 1, 1)
    assert d["fields_right"] == 1.0 and d["claim_precision"] == 1.0
    assert d["fields"]["quantity"] == {"precision": 1.0, "recall": 1.0, "right": 1.0}
    # a labelled null (claimant) is right, but counts in neither precision nor recall
    assert d["fields"]["claimant"]["precision"] is None and d["fields"]["claimant"]["right"] == 1.0


def test_wrong_fields_and_missed_claims_are_counted(tmp_path):
    # the window one day off is still right (±1 day); two days off and a wrong side are not
    _write(tmp_path, [_label(window_from="2022-09-02", side="RU", claimant="Volodymyr Zelensky"),
                      _label(quote="The weather", kind="place_control", quantity=None)])  # fmt: skip
    d = evaluate(load_corpus(tmp_path)).as_dict()
    assert (d["labels"], d["matched"]) == (2, 1)
    assert d["fields"]["window"]["right"] == 0.5  # right on the first, missed on the second
    assert d["fields"]["side"] == {"precision": 0.0, "recall": 0.0, "right": 0.0}
    assert d["fields"]["claimant"]["recall"] == 0.0
    # 10 fields x 2 labels; the first label gets kind, stance, place, scope, quantity,
    # qualifier, window and disputed_by right (8); the missed one gets nothing
    assert d["fields_right"] == pytest.approx(8 / 20)
    assert len(d["misses"]) == 2 and d["misses"][1]["matched"] is False


def test_field_rules():
    assert field_right("claimant", "Institute for the Study of War", "the Institute for the Study of War's analysts")
    assert field_right("claimant", ["ISW", "Institute for the Study of War"], "ISW")
    assert not field_right("claimant", "DeepState", None)
    assert field_right("quantity", (1000.0, "km2"), (1004.0, "km2"))
    assert not field_right("quantity", (1000.0, "km2"), (1000.0, "sq_mi"))
    w = (dt.date(2022, 9, 3), dt.date(2022, 9, 10))
    assert field_right("window", w, (dt.date(2022, 9, 4), dt.date(2022, 9, 9)))
    assert not field_right("window", w, (dt.date(2022, 9, 1), dt.date(2022, 9, 10)))
    # a place's own oblast is no scope: scope is scored on area and count kinds only
    assert field_right("scope", None, ("Donetsk",), kind="place_control")
    assert not field_right("scope", None, ("Donetsk",), kind="area_change")


def test_claim_and_label_fields_agree_on_shape():
    c = Claim(kind="share", claimant="ISW", subject={"side": "RU", "region": "east"},
              quantity=Quantity(18, "percent", "about", "about 18%", 1),
              window=Window(dt.date(2025, 1, 1), dt.date(2025, 1, 1)),
              responses=[{"claimant": "Kremlin", "stance": "disputes", "text": "..."}])  # fmt: skip
    got = claim_fields(c)
    assert got["scope"] == ("Donetsk", "Kharkiv", "Luhansk") and got["disputed_by"] == "Kremlin"
    want = label_fields({"kind": "share", "quantity": 18, "unit": "percent", "scope": ["Luhansk", "Donetsk", "Kharkiv"],
                         "window_from": "2025-01-01", "window_to": "2025-01-01"})  # fmt: skip
    assert want["scope"] == got["scope"] and want["quantity"] == got["quantity"]


def test_bad_corpus_names_the_file(tmp_path):
    _write(tmp_path, [_label(quote="not in the text")])
    with pytest.raises(InputFileError, match="01-test.json.*not in the text"):
        load_corpus(tmp_path)
    (tmp_path / "01-test.json").write_text("{", encoding="utf-8")
    with pytest.raises(InputFileError, match="malformed labels"):
        load_corpus(tmp_path)
