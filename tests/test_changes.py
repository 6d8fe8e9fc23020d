"""Changes between snapshots on synthetic maps with known answers, coverage breaks and
faults."""

from __future__ import annotations

import pytest
import shapely
from shapely.geometry import box

from frontwatch.areas import area_on, period_ends, series
from frontwatch.boundaries import held_before_2022
from frontwatch.changes import change_between, top_windows
from frontwatch.errors import InvalidWindow, SnapshotNotFound
from frontwatch.ingest import ingest
from tests.conftest import equal_area_km2, nzz_file

A = box(36.0, 49.0, 37.0, 50.0)
B = box(36.5, 49.0, 37.5, 50.0)


def test_gains_by_side_match_hand_computed_differences(tmp_path, fresh_store):
    f1 = nzz_file(tmp_path / "2022-09-01.json.gz", "2022-09-01", A)
    f2 = nzz_file(tmp_path / "2022-09-05.json.gz", "2022-09-05", B)
    ingest(fresh_store, "liveuamap-nzz", [f1, f2], workers=1)
    ch = change_between(fresh_store, "liveuamap-nzz", "2022-09-02", "2022-09-06")
    assert (ch["from_snapshot"], ch["to_snapshot"]) == ("2022-09-01", "2022-09-05")
    assert (ch["from_lag_days"], ch["to_lag_days"]) == (1, 1)
    ua = equal_area_km2(box(36.0, 49.0, 36.5, 50.0))
    ru = equal_area_km2(box(37.0, 49.0, 37.5, 50.0))
    assert ch["ua_gain_km2"] == pytest.approx(ua, abs=0.2)
    assert ch["ru_gain_km2"] == pytest.approx(ru, abs=0.2)
    assert ch["net_km2"] == pytest.approx(ru - ua, abs=0.2)


def test_a_map_republished_unchanged_is_overlaid_once(tmp_path, fresh_store, monkeypatch):
    """Three maps, the third the first republished: the change from the second to each of
    the others is measured by one overlay (their layers are the same bytes), with the
    hand-computed gains of A and B."""
    from frontwatch import changes
    from frontwatch.timeline import History

    files = [nzz_file(tmp_path / f"2022-09-0{d}.json.gz", f"2022-09-0{d}", g) for d, g in ((1, A), (3, B), (5, A))]
    ingest(fresh_store, "liveuamap-nzz", files, workers=1)
    first, second, third = History(fresh_store, "liveuamap-nzz").records
    assert fresh_store.layer_blob(first.id) == fresh_store.layer_blob(third.id)
    overlays = []
    real = changes.layer_differences
    monkeypatch.setattr(changes, "layer_differences", lambda *a: overlays.append(a) or real(*a))
    back = changes.change_km2(fresh_store, second, first)
    assert changes.change_km2(fresh_store, second, third) == back
    assert len(overlays) == 1
    assert back[0] == pytest.approx(equal_area_km2(box(37.0, 49.0, 37.5, 50.0)), abs=0.2)  # (occupied at 2 only)
    assert back[1] == pytest.approx(equal_area_km2(box(36.0, 49.0, 36.5, 50.0)), abs=0.2)


def test_as_of_uses_latest_snapshot_and_reports_lag(tmp_path, fresh_store):
    f1 = nzz_file(tmp_path / "2022-09-01.json.gz", "2022-09-01", A)
    ingest(fresh_store, "liveuamap-nzz", [f1], workers=1)
    row = area_on(fresh_store, "liveuamap-nzz", "2022-09-10")
    assert (row.snapshot_date, row.lag_days) == ("2022-09-01", 9)
    assert row.share_of_ukraine_pct == pytest.approx(100 * row.occupied_km2 / 603628, abs=1e-3)
    with pytest.raises(SnapshotNotFound, match="no liveuamap-nzz snapshot is valid on or before 2022-08-01"):
        area_on(fresh_store, "liveuamap-nzz", "2022-08-01")
    with pytest.raises(InvalidWindow):
        change_between(fresh_store, "liveuamap-nzz", "2022-09-10", "2022-09-01")


def test_coverage_break_is_not_territory_changing_hands(tmp_path, fresh_store):
    ordlo = held_before_2022()["occupied_since_2014"]
    front = box(36.0, 47.0, 36.6, 47.5)
    with_ordlo = shapely.union_all([ordlo, front])
    f1 = nzz_file(tmp_path / "2024-02-10.json.gz", "2024-02-10", with_ordlo)
    f2 = nzz_file(tmp_path / "2024-03-13.json.gz", "2024-03-13", front)
    s = ingest(fresh_store, "liveuamap-nzz", [f1, f2], workers=1)
    assert any("coverage break" in m for m in s.flags)
    ch = change_between(fresh_store, "liveuamap-nzz", "2024-02-10", "2024-03-13")
    assert ch["ua_gain_km2"] == pytest.approx(0.0, abs=0.5)
    assert ch["masked_km2"] > 16_000
    assert any("coverage break" in n for n in ch["notes"])


def test_a_gain_far_from_a_coverage_break_is_counted_whole(tmp_path, fresh_store):
    """#14: the mask of a coverage break is applied without overlaying its regions: the
    pieces of the change that touch them leave whole, the rest stays whole. A gain 150 km
    west of the areas held since 2014, in the same window as the break, counts in full."""
    from frontwatch import _geo
    from frontwatch.changes import change_from_records, layer_differences
    from frontwatch.quality import mask_between
    from frontwatch.timeline import History

    ordlo = held_before_2022()["occupied_since_2014"]
    gained = box(35.4, 47.0, 35.6, 47.5)
    f1 = nzz_file(tmp_path / "2024-02-10.json.gz", "2024-02-10", shapely.union_all([ordlo, box(35.0, 47.0, 35.6, 47.5)]))
    f2 = nzz_file(tmp_path / "2024-03-13.json.gz", "2024-03-13", box(35.0, 47.0, 35.4, 47.5), losses=gained)
    s = ingest(fresh_store, "liveuamap-nzz", [f1, f2], workers=1)
    assert any("coverage break" in m for m in s.flags) and not any("unexplained" in m for m in s.flags)
    hist = History(fresh_store, "liveuamap-nzz")
    a, b = hist.records
    fast = change_from_records(fresh_store, hist, a, b, masked_area=False)
    full = change_from_records(fresh_store, hist, a, b)
    assert fast["ua_gain_km2"] == pytest.approx(equal_area_km2(gained), rel=1e-3)
    assert (fast["ua_gain_km2"], fast["ru_gain_km2"]) == (full["ua_gain_km2"], full["ru_gain_km2"])
    assert fast["masked_km2"] is None and full["masked_km2"] > 16_000
    # the plain way: both differences less the union of the mask
    mask, _ = mask_between(fresh_store, hist.flagged, a, b)
    lost, taken = layer_differences(fresh_store, a, b)
    assert full["ua_gain_km2"] == round(_geo.area_km2(_geo.difference(lost, mask)), 1)
    assert full["ru_gain_km2"] == round(_geo.area_km2(_geo.difference(taken, mask)), 1)


def test_rankings_across_coverage_breaks_are_the_exhaustive_ones(tmp_path, fresh_store):
    """Windows across a coverage break are bounded through measured windows by their gain
    outside the region that flips (their mask holds it whole), and a step's unexplained
    region leaves its share of the bound. Here the region flips twice (windows over both
    flips draw it alike at their ends: their masks do not hold it) and one step is
    unexplained: every bound holds against each window's masked gain, and the pruned
    rankings are the ones that measure every window."""
    import random

    import numpy as np

    from frontwatch.changes import change_from_records, change_km2
    from frontwatch.steps import GainBounds
    from frontwatch.timeline import History

    ordlo = held_before_2022()["occupied_since_2014"]
    rng = random.Random(1405)
    files = []
    x = 35.9
    for day in range(16):
        # a front near Zaporizhzhia that Ukraine pushes back by a few km a day (more on
        # some days; on day 9 by 20 km, without the losses drawn), and one near Donetsk
        # that touches the region; the region is drawn before day 6 and from day 11
        x -= 0.02 + (0.08 if day in (4, 7, 12) else 0.0) + (0.3 if day == 9 else 0.0) + rng.uniform(-0.01, 0.01)
        near = box(37.4, 47.8, 37.6 + rng.uniform(0, 0.05), 48.0)
        occupied = [box(34.8, 47.0, x, 47.4), near] + ([ordlo] if day < 6 or day >= 11 else [])
        date = f"2023-05-{10 + day:02d}"
        files.append(nzz_file(tmp_path / f"{date}.json.gz", date, shapely.union_all(occupied),
                              losses=None if day == 9 else box(x, 47.0, 36.0, 47.4)))  # fmt: skip
    s = ingest(fresh_store, "liveuamap-nzz", files, workers=1)
    assert sum("coverage break" in m for m in s.flags) == 2
    assert any("unexplained step" in m and "2023-05-19" in m for m in s.flags)
    hist = History(fresh_store, "liveuamap-nzz")
    recs = hist.records
    bounds = GainBounds(fresh_store, recs)
    bounds.ensure(0, len(recs) - 1)
    pairs = [(i, j) for i in range(len(recs)) for j in range(i + 1, len(recs))]
    i, j = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    got = [change_from_records(fresh_store, hist, recs[a], recs[b]) for a, b in pairs]
    assert (bounds.held_masked(i, j) > 0).sum() >= 30 and (~bounds.ends_differ(i, j)).sum() >= 10
    for side, key in (("UA", "ua_gain_km2"), ("RU", "ru_gain_km2")):
        exact = np.array([g[key] for g in got])  # (rounded to 0.1 km²)
        assert (bounds.masked_upper_km2(i, j, side) + 0.05 >= exact).all()
        assert (bounds.summed_upper_km2(i, j, side) + 0.05 >= exact).all()  # (the steps' own, without the table)
        for k in range(0, len(pairs), 4):
            unmasked = change_km2(fresh_store, recs[i[k]], recs[j[k]])[0 if side == "UA" else 1]
            for chain in (bounds.masked_chained_upper_km2, bounds.summed_chained_upper_km2):
                assert (chain(i, j, int(i[k]), int(j[k]), unmasked, side) + 0.05 >= exact).all()
    for days in (1, 2, 3, 5, 8):
        for side in ("UA", "RU"):
            for limit, distinct in ((1, True), (3, True), (3, False), (6, False)):
                kw = dict(days=days, side=side, limit=limit, distinct=distinct)
                assert top_windows(fresh_store, "liveuamap-nzz", prune=True, **kw) == top_windows(
                    fresh_store, "liveuamap-nzz", prune=False, **kw)  # fmt: skip


def test_masks_applied_by_parts_take_out_what_the_plain_overlay_does(evolving_store):
    """Every window of the evolving maps with an unexplained step inside: the differences
    less the mask's unexplained regions, overlaid polygon by polygon, against one overlay
    of each difference with the mask's union."""
    from frontwatch import _geo
    from frontwatch.changes import layer_differences
    from frontwatch.quality import mask_parts
    from frontwatch.timeline import History

    hist = History(evolving_store, "liveuamap-nzz")
    recs = hist.records
    checked = 0
    for i in range(len(recs)):
        for j in range(i + 1, min(len(recs), i + 8)):
            diff = layer_differences(evolving_store, recs[i], recs[j])
            parts = mask_parts(evolving_store, hist.flagged, recs[i], recs[j], diff=diff)
            if not parts.unexplained:
                continue
            union = parts.union()
            for got, plain in zip(parts.apply(), diff, strict=True):
                assert _geo.area_km2(got) == pytest.approx(_geo.area_km2(_geo.difference(plain, union)), abs=1e-6)
            checked += 1
    assert checked >= 20
    with pytest.raises(ValueError, match="needs the differences"):  # (none given, none computed)
        mask_parts(evolving_store, hist.flagged, recs[0], recs[-1]).apply()


def test_transient_fault_is_excluded_and_named(tmp_path, fresh_store):
    big = box(35.0, 47.0, 38.0, 49.5)
    files = [
        nzz_file(tmp_path / "2023-12-05.json.gz", "2023-12-05", big),
        nzz_file(tmp_path / "2023-12-08.json.gz", "2023-12-08", box(37.5, 47.0, 38.0, 47.3), losses=big),  # fmt: skip
        nzz_file(tmp_path / "2023-12-11.json.gz", "2023-12-11", big),
    ]
    s = ingest(fresh_store, "liveuamap-nzz", files, workers=1)
    assert any("transient fault" in m and "2023-12-08" in m for m in s.flags)
    ch = change_between(fresh_store, "liveuamap-nzz", "2023-12-05", "2023-12-09")
    assert ch["to_snapshot"] == "2023-12-05"
    assert ch["ua_gain_km2"] == 0.0
    assert any("skipped the map of 2023-12-08" in n for n in ch["notes"])
    rows = series(fresh_store, "liveuamap-nzz")
    assert [r.snapshot_date for r in rows] == ["2023-12-05", "2023-12-11"]


def test_unexplained_step_is_flagged_and_masked(tmp_path, fresh_store):
    before = box(35.0, 47.0, 38.0, 49.5)
    after = box(35.0, 47.0, 37.0, 49.5)  # a third gone, no losses drawn
    f1 = nzz_file(tmp_path / "2023-05-22.json.gz", "2023-05-22", before)
    f2 = nzz_file(tmp_path / "2023-05-23.json.gz", "2023-05-23", after)
    s = ingest(fresh_store, "liveuamap-nzz", [f1, f2], workers=1)
    assert any("unexplained step" in m for m in s.flags)
    ch = change_between(fresh_store, "liveuamap-nzz", "2023-05-22", "2023-05-23")
    assert ch["ua_gain_km2"] == pytest.approx(0.0, abs=0.5)
    assert ch["masked_km2"] == pytest.approx(equal_area_km2(box(37.0, 47.0, 38.0, 49.5)), rel=1e-3)


def test_top_windows_ranks_by_side(tmp_path, fresh_store):
    files = [
        nzz_file(tmp_path / "2022-09-01.json.gz", "2022-09-01", box(35.0, 47.0, 38.0, 49.5)),
        nzz_file(tmp_path / "2022-09-03.json.gz", "2022-09-03", box(35.0, 47.0, 37.9, 49.5),
                 losses=box(37.9, 47.0, 38.0, 49.5)),
        nzz_file(tmp_path / "2022-09-05.json.gz", "2022-09-05", box(35.0, 47.0, 37.0, 49.5),
                 losses=box(37.0, 47.0, 37.9, 49.5)),
    ]  # fmt: skip
    ingest(fresh_store, "liveuamap-nzz", files, workers=1)
    rows = top_windows(fresh_store, "liveuamap-nzz", days=2, side="UA")
    assert [r["to_snapshot"] for r in rows] == ["2022-09-05", "2022-09-03"]
    assert rows[0]["gained_km2"] == pytest.approx(equal_area_km2(box(37.0, 47.0, 37.9, 49.5)), rel=1e-3)


def test_period_ends():
    import datetime as dt

    d = dt.date
    assert period_ends(d(2024, 11, 1), d(2024, 11, 20), "week") == [
        d(2024, 11, 3), d(2024, 11, 10), d(2024, 11, 17), d(2024, 11, 20)]  # fmt: skip
    assert period_ends(d(2024, 11, 15), d(2025, 1, 10), "month") == [
        d(2024, 11, 30), d(2024, 12, 31), d(2025, 1, 10)]  # fmt: skip


@pytest.mark.parametrize(("store_name", "source"), [("evolving_store", "liveuamap-nzz"),
                                                    ("sample_store", "liveuamap-nzz"),
                                                    ("sample_store", "deepstate")])  # fmt: skip
def test_pruned_top_is_the_exhaustive_ranking(backend, request, monkeypatch, store_name, source):
    import frontwatch.changes as changes

    store = request.getfixturevalue(store_name)
    measured = {True: 0, False: 0}
    prune = True
    change = changes.change_from_records

    def counted(*args, **kw):
        measured[prune] += 1
        return change(*args, **kw)

    monkeypatch.setattr(changes, "change_from_records", counted)
    for days in (1, 3, 7, 30):  # (30 days: fewer distinct windows than the limit)
        for side in ("UA", "RU"):
            for limit in (1, 3, 10):
                for distinct in (True, False):
                    kw = dict(days=days, side=side, limit=limit, distinct=distinct)
                    prune = True
                    pruned = top_windows(store, source, prune=True, **kw)
                    prune = False
                    assert pruned == top_windows(store, source, prune=False, **kw)
    assert measured[True] < measured[False]


def test_windows_that_tie_are_settled_by_the_first_one_measured(tmp_path, monkeypatch):
    """(#14) Every 3-day window that holds one step gains the same ground: the full
    ranking keeps the earliest of them (a stable sort) and drops the rest (they overlap
    it). The pruned ranking gives the same answer, measuring that one only: one window per
    event ranked."""
    from frontwatch import changes
    from frontwatch.store import SQLiteStore

    base, first, second = box(36.0, 49.0, 37.0, 50.0), box(37.0, 49.3, 37.2, 49.5), box(36.0, 48.9, 36.1, 49.0)
    files = []
    for day in range(1, 11):
        geom = shapely.union_all([base] + [first] * (day >= 5) + [second] * (day >= 9))
        files.append(nzz_file(tmp_path / f"2022-10-{day:02d}.json.gz", f"2022-10-{day:02d}", geom))
    store = SQLiteStore(tmp_path / "ties.gpkg")
    ingest(store, "liveuamap-nzz", files, workers=1)
    measured = []
    real = changes.change_from_records
    monkeypatch.setattr(changes, "change_from_records", lambda *a, **kw: measured.append(a[2:4]) or real(*a, **kw))
    pruned = top_windows(store, "liveuamap-nzz", days=3, side="RU", limit=2)
    assert len(measured) == 2
    plain = top_windows(store, "liveuamap-nzz", days=3, side="RU", limit=2, prune=False)
    assert [r.as_dict() for r in pruned] == [r.as_dict() for r in plain]
    assert [(r.from_snapshot, r.to_snapshot) for r in pruned] == [("2022-10-02", "2022-10-05"),
                                                                 ("2022-10-06", "2022-10-09")]  # fmt: skip
    assert pruned[0].gained_km2 == pytest.approx(equal_area_km2(first), abs=0.1)
    assert pruned[1].gained_km2 == pytest.approx(equal_area_km2(second), abs=0.1)
    store.close()
