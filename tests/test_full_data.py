"""The full real histories in ../shared/data (skipped where absent; CI has them).

One store is built for the module: all 1,641 liveuamap-nzz files, the DeepState revision
archive and daily mirror, and both ISW archives. Expected values are computed here by
independent methods or taken from the data's own documentation, never from Frontwatch.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import orjson
import pytest
import shapely
from shapely.geometry import shape

from frontwatch import _geo
from frontwatch._gpkg import from_gpkg
from frontwatch.areas import area_on, series
from frontwatch.boundaries import clip_outline
from frontwatch.changes import change_between, compare_sources
from frontwatch.ingest import ingest
from frontwatch.inventory import sources_summary
from frontwatch.store import SQLiteStore
from tests.conftest import equal_area_km2

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def full(shared_data, tmp_path_factory):
    reuse = os.environ.get("FRONTWATCH_TEST_FULL_DB")  # a developer's prebuilt store
    path = reuse or tmp_path_factory.mktemp("full") / "full.gpkg"
    store = SQLiteStore(path)
    summaries = {}
    if not reuse:
        summaries["liveuamap-nzz"] = ingest(store, "liveuamap-nzz", [shared_data / "liveuamap-nzz" / "daily"])
        summaries["deepstate"] = ingest(
            store, "deepstate", [shared_data / "deepstate-history", shared_data / "deepstate" / "daily"]
        )
        summaries["isw"] = ingest(store, "isw", [shared_data / "isw"])
    yield store, summaries, shared_data
    store.close()


def test_everything_ingests_and_sources_lists_three(full):
    store, summaries, data = full
    for s in summaries.values():
        assert s.errors == []
    rows = {r.source: r for r in sources_summary(store)}
    assert set(rows) == {"liveuamap-nzz", "deepstate", "isw"}
    lua = rows["liveuamap-nzz"]
    files = sorted((data / "liveuamap-nzz" / "daily").glob("*.json.gz"))
    distinct_maps = {}
    for f in files:  # the map date of each distinct file, read independently
        doc = orjson.loads(gzip.decompress(f.read_bytes()))
        p = doc["value"]["features"][0]["properties"]
        distinct_maps[p.get("_dateto") or p.get("date")] = True
    # one map (2023-12-08) is a transient fault, excluded; the rest are usable
    assert lua["snapshots"] + lua["excluded"] == len(distinct_maps)
    assert lua["excluded"] == 1
    assert (lua["first_date"], lua["last_date"]) == (min(distinct_maps), max(distinct_maps))
    assert lua["files"] == len({f.read_bytes() for f in files})
    ds = rows["deepstate"]
    # independently: the first revision's publication date, the last daily file's date − 1
    import datetime as dt
    import lzma

    with lzma.open(data / "deepstate-history" / "deepstate-revisions-2022-2025.jsonl.xz") as fh:
        first_rev = orjson.loads(fh.readline())["published_utc"][:10]
    last_daily = max(p.name[18:26] for p in (data / "deepstate" / "daily").glob("deepstatemap_data_*.geojson.gz"))
    assert ds["first_date"] == first_rev
    assert ds["last_date"] == (dt.datetime.strptime(last_daily, "%Y%m%d").date() - dt.timedelta(days=1)).isoformat()
    assert "Crimea" in lua["coverage"] and "all of Ukraine" in ds["coverage"]
    assert any("held since 2014" in b and b.startswith("2024-03") for b in lua["coverage_breaks"])
    isw = rows["isw"]
    import re
    import tarfile

    isw_days = set()
    for archive in sorted((data / "isw").glob("*.tar.xz")):
        with tarfile.open(archive) as tar:
            isw_days |= {m.group(1) for n in tar.getnames()
                         if (m := re.search(r"(\d{8})(?:_RussianAssessedCoTinUkraine)?\.geojson$", n))}  # fmt: skip
    assert isw["first_date"] == dt.datetime.strptime(min(isw_days), "%Y%m%d").date().isoformat()
    assert isw["last_date"] == dt.datetime.strptime(max(isw_days), "%Y%m%d").date().isoformat()


def test_reingest_adds_nothing(full):
    store, summaries, data = full
    if not summaries:
        pytest.skip("store reused from FRONTWATCH_TEST_FULL_DB")
    s = ingest(store, "liveuamap-nzz", [data / "liveuamap-nzz" / "daily"])
    assert s.added == 0 and s.unchanged_files == s.files == 1641


def _raw_held(path):
    doc = orjson.loads(gzip.decompress(path.read_bytes()))
    parts = [shape(f["geometry"]) for f in doc["value"]["features"]
             if f["properties"]["type"] in ("nochange", "gains")]  # fmt: skip
    return shapely.intersection(shapely.union_all(parts), clip_outline())


def test_stored_areas_match_the_direct_overlay_across_the_history(full):
    """Ingest clips cell by cell (tiled, cached); every 20th liveuamap map is recomputed here
    the plain way (union, one intersection with the outline, geodesic area: what PostGIS
    ``ST_Area(geography)`` of ``ST_Intersection`` gives)."""
    from frontwatch._geo import area_km2
    from frontwatch._seams import fill_sliver_holes

    store, _, _ = full
    recs = store.snapshots("liveuamap-nzz")[::20]
    assert len(recs) > 40
    # with its cracks filled as ingest fills them (#11: holes under 10 m wide)
    worst = max(abs(r.occupied_km2 - area_km2(fill_sliver_holes(_raw_held(Path(r.file)))[0])) / r.occupied_km2
                for r in recs)  # fmt: skip
    assert worst < 1e-7  # measured 1.5e-8 (7e-6 before split vertices were discounted)


def test_stored_steps_match_the_direct_overlay(full):
    """The changes between consecutive maps as stored (from layers clipped cell by cell)
    against the same maps clipped the plain way and overlaid here: every 60th step of
    liveuamap-nzz, its largest step (2022-03-16 to 03-23) and DeepState's Kherson step of
    2022-11-10/11. Found in the fifth session: the vertices cutting added on cell lines
    stayed in the stored layers, and differences measured their straight edges as chains
    of geodesics: 0.84 km² too much of Russian gain in the first, 0.28 km² too much of
    Ukrainian gain in the second."""
    from frontwatch._geo import area_km2, repair, union_clipped
    from frontwatch._seams import close_seams, fill_sliver_holes
    from frontwatch.sources import deepstate

    store, _, data = full

    def stored(source, a, b):
        rows = {r.valid_time: r.id for r in store.snapshots(source, usable_only=False)}
        return store.step_areas(source)[(rows[a], rows[b])]

    def gains(a, b):
        return area_km2(shapely.difference(a, b)), area_km2(shapely.difference(b, a))

    recs = store.snapshots("liveuamap-nzz")
    pairs = [(recs[k], recs[k + 1]) for k in range(0, len(recs) - 1, 60)]
    largest = ("2022-03-16", "2022-03-23")
    pairs += [(a, b) for a, b in zip(recs, recs[1:], strict=False) if (a.valid_date, b.valid_date) == largest]
    assert len(pairs) > 15 and pairs[-1][0].valid_date == "2022-03-16"
    for a, b in pairs:
        plain = [fill_sliver_holes(_raw_held(Path(r.file)))[0] for r in (a, b)]
        assert stored("liveuamap-nzz", a.valid_time, b.valid_time) == pytest.approx(gains(*plain), abs=0.01)
    kherson = ("2022-11-10T23:34:48+00:00", "2022-11-11T09:10:57+00:00")
    outline = clip_outline()
    layers = {}
    for raw in deepstate.read(data / "deepstate-history" / "deepstate-revisions-2022-2025.jsonl.xz", b""):
        if raw.valid_time.isoformat() in kherson:
            union = union_clipped([repair(g)[0] for g in raw.layers["occupied"]], outline)[0]
            closed = close_seams(union, outline, width_m=raw.seam_width_m)[0]
            layers[raw.valid_time.isoformat()] = fill_sliver_holes(closed, straight=True)[0]
        if len(layers) == 2:
            break
    ua, ru = gains(*(layers[t] for t in kherson))
    # a withdrawal only: the plain overlay's gain is the fall of the stored occupied area
    areas = {r.valid_time: r.occupied_km2 for r in store.snapshots("deepstate", usable_only=False)}
    assert ru < 0.01 and ua == pytest.approx(areas[kherson[0]] - areas[kherson[1]], abs=0.01)
    assert stored("deepstate", *kherson) == pytest.approx((ua, ru), abs=0.01)


def test_deepstate_daily_layers_match_the_direct_overlay(full):
    """The same check for DeepState's daily files (many features per layer, several
    layers): every 25th file read again and clipped the plain way, layer by layer, the
    occupied layer's seams closed on the plain union as ingest closes them on its own."""
    from frontwatch._geo import repair, union_clipped
    from frontwatch._seams import close_seams_measured, fill_sliver_holes
    from frontwatch.sources import deepstate

    store, _, _ = full
    recs = [r for r in store.snapshots("deepstate", usable_only=False) if r.kind == "daily"][::25]
    assert len(recs) > 20
    outline = clip_outline()
    worst = 0.0
    for r in recs:
        (raw,) = list(deepstate.read(Path(r.file), Path(r.file).read_bytes()))
        for name, geoms in raw.layers.items():
            direct, direct_km2 = union_clipped([repair(g)[0] for g in geoms], outline)[:2] if geoms else (None, 0.0)
            if name == "occupied" and geoms:  # its seams closed and cracks filled, as ingest does (#11)
                closed, _, gaps_km2 = close_seams_measured(direct, outline, width_m=raw.seam_width_m)
                direct_km2 += gaps_km2 + fill_sliver_holes(closed, straight=True)[2]
            stored = r.areas.get(name, 0.0)
            if direct_km2 > 1.0:
                worst = max(worst, abs(stored - direct_km2) / direct_km2)
            else:
                assert abs(stored - direct_km2) < 0.01
    assert worst < 1e-7  # measured 1.2e-9 (1.3e-9 before the seams were closed, #11)


def test_every_stored_layer_is_valid(full):
    """The tiled clipper checks its stitched layers in full only where pieces meet on a
    grid line in a doubtful way: here every stored layer of every source is checked."""
    store, _, _ = full
    rows = store.conn.execute("SELECT snapshot_id, layer, geom FROM snapshot_layers").fetchall()
    assert len(rows) > 3000
    bad = [(sid, layer) for sid, layer, blob in rows if not shapely.is_valid(from_gpkg(blob))]
    assert bad == []


def test_area_2022_09_08_within_0_1_percent_of_second_method(full):
    store, _, data = full
    row = area_on(store, "liveuamap-nzz", "2022-09-08")
    expected = equal_area_km2(_raw_held(data / "liveuamap-nzz" / "daily" / "2022-09-08.json.gz"))
    assert row["occupied_km2"] == pytest.approx(expected, rel=1e-3)


def test_september_counteroffensive_by_oblast_and_sources_side_by_side(full):
    store, _, data = full
    ch = change_between(store, "liveuamap-nzz", "2022-09-08", "2022-09-11", by_oblast=True)
    day = data / "liveuamap-nzz" / "daily"
    a, b = _raw_held(day / "2022-09-08.json.gz"), _raw_held(day / "2022-09-11.json.gz")
    assert ch["ua_gain_km2"] == pytest.approx(equal_area_km2(shapely.difference(a, b)), rel=1e-3)
    assert ch["ua_gain_km2"] > 3_000
    assert ch["by_oblast"][0]["oblast"] == "Kharkiv"
    rows = compare_sources(store, ["deepstate", "isw", "liveuamap-nzz"], "2022-09-01", "2022-09-08")
    assert all("error" not in r for r in rows), rows
    assert all(r["ua_gain_km2"] > 100 for r in rows)
    assert any("coverage differs" in n for n in rows[0]["notes"])


def test_deepstate_november_2024_and_daily_agrees_with_revisions(full):
    store, _, _ = full
    rows = series(store, "deepstate", every="month", start="2024-10-01", end="2024-11-30")
    assert 200 < rows[-1]["ru_gain_km2"] < 3_000
    checks = [w for r in store.snapshots("deepstate", usable_only=False) for w in r.warnings
              if w.startswith("daily file")]  # fmt: skip
    assert len(checks) > 300
    same_day = sum("agrees" in w for w in checks)
    near_day = sum("but matches revision" in w for w in checks)
    assert same_day / len(checks) > 0.6
    assert (same_day + near_day) / len(checks) > 0.95


# Places for the revision-vs-mirror check (#11): deep in the occupied east, on the line,
# and in Ukrainian-held towns.
MIRROR_PLACES = [("Donetsk", "Donetsk"), ("Horlivka", "Donetsk"), ("Avdiivka", "Donetsk"),
                 ("Shchastia", "Luhansk"), ("Luhansk", "Luhansk"), ("Melitopol", "Zaporizhzhia"),
                 ("Pokrovsk", "Donetsk"), ("Chasiv Yar", "Donetsk"), ("Kupiansk", "Kharkiv"),
                 ("Robotyne", "Zaporizhzhia"), ("Kramatorsk", "Donetsk"), ("Kharkiv", "Kharkiv"),
                 ("Kherson", "Kherson")]  # fmt: skip


def _distance_km(store, rec, place) -> float:
    """The distance rule on one stored snapshot (also a superseded daily file): to the line
    of contact from a Russian-held place, to the occupied area from a Ukrainian-held one."""
    from frontwatch.frontline import front_of, nearest

    occ = store.layer(rec.id)
    target = front_of(store, rec) if shapely.intersects_xy(occ, place.lon, place.lat) else occ
    return nearest(target, place.lon, place.lat).distance_km


def test_deepstate_revisions_and_daily_mirror_agree_on_the_line_of_contact(full):
    """Every daily file of the overlap against the revision it shows (of those whose areas
    agree, the closest by geometry): the front rule's length within 2%, places' distances
    within 1 km. With the seams between DeepState's layers left open, the revisions' front
    was about 20% longer and Shchastia 2 km from it on 2024-11-30 (#11)."""
    from frontwatch.frontline import front_of, length_km
    from frontwatch.gazetteer import resolve_one
    from frontwatch.sources.deepstate_mirror import closest_revision

    store, _, _ = full
    places = [resolve_one(n, oblast=o) for n, o in MIRROR_PLACES]
    daily = [r for r in store.snapshots("deepstate", usable_only=False)
             if r.kind == "daily" and "2024-07-07" <= r.valid_date <= "2025-08-03"]  # fmt: skip
    assert len(daily) > 380  # 2024-07-08 .. 2025-08-04, seven dates missing
    paired = [(d, closest_revision(store, d)) for d in daily]
    paired = [(d, p[0]) for d, p in paired if p is not None]
    assert len(paired) / len(daily) > 0.95
    bad_length, bad_distance = [], []
    for d, rev in paired:
        mirror_km, rev_km = length_km(front_of(store, d)), length_km(front_of(store, rev))
        if abs(rev_km / mirror_km - 1) > 0.02:
            bad_length.append((d.valid_date, round(rev_km, 1), round(mirror_km, 1)))
        for p in places:
            a, b = _distance_km(store, rev, p), _distance_km(store, d, p)
            if abs(a - b) > 1.0:
                bad_distance.append((d.valid_date, p.name, round(a, 2), round(b, 2)))
    assert bad_length == []
    assert bad_distance == []


def test_deepstate_2024_11_30_seams_closed_and_september_2022_unchanged(full):
    from frontwatch.advance import distance_to_other_side
    from frontwatch.frontline import front_on
    from frontwatch.gazetteer import resolve_one

    store, _, _ = full
    front = front_on(store, "deepstate", "2024-11-30")
    assert 1_100 < front.length_km < 1_250  # 1,447 km with the seams
    rows = {n: distance_to_other_side(store, "deepstate", resolve_one(n, oblast=o), "2024-11-30")
            for n, o in MIRROR_PLACES[:4]}  # fmt: skip
    assert all(r["side"] == "RU" for r in rows.values())
    assert 60 < rows["Shchastia"]["distance_km"] < 80  # 2.0 km with the seams
    assert rows["Donetsk"]["distance_km"] > 20 and rows["Avdiivka"]["distance_km"] > 10
    occ = store.layer(store.snapshots("deepstate", day="2024-11-30")[-1].id)
    assert all(len(p.interiors) < 5 for p in occ.geoms)  # 59 hairline holes with the seams
    # the September 2022 figures do not move
    kup = distance_to_other_side(store, "deepstate", resolve_one("Kupiansk"), "2022-09-08")
    assert kup["distance_km"] == pytest.approx(19.52, abs=0.05)
    ch = change_between(store, "deepstate", "2022-09-04", "2022-09-11")
    assert ch["ua_gain_km2"] == pytest.approx(8_852.5, rel=1e-4)
    assert area_on(store, "deepstate", "2022-09-08")["occupied_km2"] == pytest.approx(123_967.2, rel=1e-4)


def test_known_faults_are_caught_not_reported_as_war(full):
    store, _, _ = full
    flags = {(r.valid_date, f["type"]) for r in store.snapshots("liveuamap-nzz", usable_only=False)
             for f in r.flags}  # fmt: skip
    assert ("2023-12-08", "transient") in flags
    assert any(t == "unexplained_step" and d.startswith("2023-05-2") for d, t in flags)
    assert any(t == "coverage_break" and d.startswith("2024-03") for d, t in flags)
    # relabelled held area: no change across it
    ch = change_between(store, "liveuamap-nzz", "2023-12-07", "2023-12-12")
    assert ch["ua_gain_km2"] < 500
    # coverage break: the areas held since 2014 are not a Ukrainian gain
    ch = change_between(store, "liveuamap-nzz", "2024-02-10", "2024-03-20")
    assert ch["ua_gain_km2"] < 1_000 and ch["masked_km2"] > 15_000
    # Central Asia polygon (Oct 2023) and spurious parts across Russia (Jul 2026): clipped
    for day in ("2023-10-25", "2026-07-05"):
        row = area_on(store, "liveuamap-nzz", day)
        assert 60_000 < row["occupied_km2"] < 100_000
    ch = change_between(store, "liveuamap-nzz", "2026-06-29", "2026-07-20")
    assert ch["ua_gain_km2"] < 500 and ch["ru_gain_km2"] < 1_500


def test_places_change_hands_on_the_maps_not_on_coverage_breaks(full):
    from frontwatch.gazetteer import resolve_one
    from frontwatch.settlements import changed_places, control_timeline, place_control

    store, _, _ = full
    for name in ("Balakliia", "Izium", "Kupiansk"):
        p = resolve_one(name)
        assert place_control(store, "liveuamap-nzz", p, "2022-09-06")["side"] == "RU"
        assert place_control(store, "liveuamap-nzz", p, "2022-09-11")["side"] == "UA"
    tl = control_timeline(store, "liveuamap-nzz")
    res = changed_places(store, "liveuamap-nzz", "2024-02-10", "2024-03-20", timeline=tl)
    donetsk_city = resolve_one("Donetsk", oblast="Donetsk").geonameid
    assert donetsk_city not in {r["geonameid"] for r in res["places"]}
    assert len(res["places"]) < 100  # the front moved little; 16,500 km² of coverage did not


def test_distance_advance_and_swiftest_since_april(full):
    from frontwatch.advance import advance, distance_to_other_side, since
    from frontwatch.changes import top_windows
    from frontwatch.gazetteer import resolve_one

    store, _, _ = full
    d = distance_to_other_side(store, "liveuamap-nzz", resolve_one("Kupiansk"), "2022-09-08")
    assert d["snapshot_date"] == "2022-09-08" and d["to_side"] == "UA" and 5 < d["distance_km"] < 80
    adv = advance(store, "liveuamap-nzz", "2022-09-08", "2022-09-11", side="UA")
    assert (adv["from_snapshot"], adv["to_snapshot"]) == ("2022-09-08", "2022-09-11")
    assert 20 < adv["max_depth_km"] < 150
    rows = top_windows(store, "liveuamap-nzz", days=3, side="UA", start="2022-01-01", end="2022-12-31")
    assert rows[0]["from_snapshot"].startswith("2022-04") or rows[0]["to_snapshot"].startswith("2022-04")
    assert (rows[1]["from_snapshot"], rows[1]["to_snapshot"]) == ("2022-09-08", "2022-09-11")
    s = since(store, "liveuamap-nzz", "2022-09-08", "2022-09-11", side="UA")
    assert s["since"]["to_snapshot"].startswith("2022-04")


def test_pruned_rankings_and_distances_are_the_exhaustive_ones_on_the_full_history(full):
    """#14: rankings that pass over windows by their (chained) bounds and distances that
    screen edges out give what measuring every window and projecting every vertex gives,
    on real maps that go back and forth (liveuamap-nzz 2022-2026, DeepState 2022)."""
    import frontwatch.frontline as fl
    from frontwatch.advance import distance_series
    from frontwatch.changes import top_windows
    from frontwatch.gazetteer import resolve_one

    store, _, _ = full
    for source, days, side, start, end in (("liveuamap-nzz", 90, "RU", None, None),
                                           ("liveuamap-nzz", 7, "UA", None, None),
                                           # (the coverage break of 2023-05-21 and the
                                           # unexplained step of 2023-05-23 inside: masked bounds)
                                           ("liveuamap-nzz", 30, "UA", "2023-04-01", "2023-07-15"),
                                           ("deepstate", 30, "UA", "2022-04-01", "2022-09-01")):  # fmt: skip
        kw = dict(days=days, side=side, limit=10, start=start, end=end)
        assert top_windows(store, source, prune=True, **kw) == top_windows(store, source, prune=False, **kw)
    for name in ("Pokrovsk", "Donetsk", "Kupiansk"):
        place = resolve_one(name)
        got = distance_series(store, "deepstate", place, "2024-07-01", "2024-09-01")
        old, fl._SCREEN_MIN_VERTICES = fl._SCREEN_MIN_VERTICES, 10**12
        try:
            assert got == distance_series(store, "deepstate", place, "2024-07-01", "2024-09-01")
        finally:
            fl._SCREEN_MIN_VERTICES = old


def test_window_tables_bound_real_windows_from_above(full):
    """#14: ingest stores each source's table of window bounds (frontwatch.arrangement), and
    on windows of 1 to 1,000 maps across each history, and around coverage breaks and
    unexplained steps (what masks hold), it is never below either side's gain
    outside the window's mask, by the plain overlay of the two whole maps (the second
    method)."""
    import random

    import numpy as np

    from frontwatch import arrangement
    from frontwatch.quality import mask_parts
    from frontwatch.timeline import History

    store, _, _ = full
    rng = random.Random(14)
    for source in ("liveuamap-nzz", "deepstate", "isw"):
        records = History(store, source).records
        table = arrangement.load(store, records)
        assert table is not None and table.size == len(records), source
        windows = [(i, i + span) for span in (1, 3, 10, 30, 100, 300, 1000) if span < len(records)
                   for i in [rng.randrange(len(records) - span)]]  # fmt: skip
        # and windows around what masks hold: coverage breaks and unexplained steps
        special = [n for n in range(1, len(records))
                   if records[n].coverage != records[n - 1].coverage or records[n].flags]  # fmt: skip
        windows += [(max(0, n - d), min(len(records) - 1, n + d)) for n in special[:4] for d in (2, 40)]
        for i, k in windows:
            a, b = records[i], records[k]
            diff = _geo.split_difference(store.layer(a.id), store.layer(b.id), local=False)
            lost, taken = mask_parts(store, History(store, source).flagged, a, b, diff=diff).apply()
            for side, got in (("UA", lost), ("RU", taken)):
                upper = float(table.upper_km2(np.array([i]), np.array([k]), side)[0])
                assert _geo.area_km2(got) <= upper, (source, i, k, side)


def test_ranking_bounds_hold_where_the_steps_fall_short_of_a_window(full):
    """#14: on ISW's maps of March 2022 the steps' geodesic areas add up to less than the
    window's (2,729.7 against 2,731.6 km² of Ukraine's gains from 03-05 to 03-12: the
    window's long edges sag whole); a ranking pruned by those sums named 03-06 → 03-13
    fifth, where the full ranking names 03-05 → 03-12 (the earlier of two equal windows).
    Every window of seven maps from that month on is bounded from above (by the overlay of its two
    maps, the second method), and the pruned ranking is the full one."""
    import numpy as np

    from frontwatch.changes import change_from_records, top_windows
    from frontwatch.steps import GainBounds
    from frontwatch.timeline import History

    store, _, _ = full
    hist = History(store, "isw")
    records = hist.records
    bounds = GainBounds(store, records)
    march = [n for n, r in enumerate(records) if "2022-03-01" <= r.valid_date <= "2022-03-31"]
    pairs = [(n, n + 7) for n in march if n + 7 < len(records)]
    assert len(pairs) >= 20
    i, j = np.array([p for p, _ in pairs]), np.array([q for _, q in pairs])
    bounds.ensure(int(i.min()), int(j.max()))
    short = 0
    for side, key in (("UA", "ua_gain_km2"), ("RU", "ru_gain_km2")):
        upper = bounds.masked_upper_km2(i, j, side)
        summed = bounds.summed_upper_km2(i, j, side)
        for n, (p, q) in enumerate(pairs):
            exact = change_from_records(store, hist, records[p], records[q])[key]
            assert exact <= round(float(upper[n]), 1), (side, records[p].valid_date, records[q].valid_date)
            short += exact > round(float(summed[n]), 1)
    assert short >= 1  # (the sums alone fall short here)
    kw = {"days": 7, "side": "UA", "limit": 3, "start": "2022-03-08", "end": "2022-03-31"}
    pruned = [r.as_dict() for r in top_windows(store, "isw", **kw)]
    assert pruned == [r.as_dict() for r in top_windows(store, "isw", prune=False, **kw)]
    assert pruned[0]["gained_km2"] > 1000


def test_second_article_checked_end_to_end_on_real_maps(full):
    import datetime as dt

    from frontwatch.changes import change_between
    from frontwatch.claims.extract import extract_claims
    from frontwatch.claims.judge import VERDICTS
    from frontwatch.claims.verify import verify
    from tests.conftest import ROOT

    store, _, _ = full
    text = (ROOT / "tests" / "data" / "kherson-2022-11.txt").read_text(encoding="utf-8")
    claims = extract_claims(text, published=dt.date(2022, 11, 12))
    results = verify(store, claims, ["liveuamap-nzz", "deepstate", "isw"])
    measurable = [r for r in results if r["kind"] not in ("other", "unit_conversion")]
    assert measurable
    for r in measurable:
        lua = r["verdicts"][0]
        if lua["verdict"] == "unverifiable":  # only because the maps lag: then the later map judges
            assert ("no new map inside the window" in lua["reason"] or "older" in lua["reason"]
                    or "disagree too much" in lua["reason"]), (r["text"], lua)  # fmt: skip
            assert lua["later"]["verdict"] in VERDICTS, (r["text"], lua)
        else:
            assert lua["verdict"] in VERDICTS, (r["text"], lua)
    # the maps of DeepState and ISW are daily: Kherson city is Ukrainian on the 11th and 12th
    for r in results[:2]:
        assert [v["verdict"] for v in r["verdicts"][1:]] == ["supported", "supported"], r["text"]
    for r in results:
        if r["kind"] == "area_change":
            v = r["verdicts"][0]
            ch = change_between(store, "liveuamap-nzz", r["window_from"], r["window_to"], by_oblast=True)
            key = "ua_gain_km2" if r["subject"].get("side", "UA") == "UA" else "ru_gain_km2"
            # "on the west bank of the Dnipro": measured in Kherson and Mykolaiv oblasts only
            assert v["scope"] == ["Kherson", "Mykolaiv"]
            want = sum(row[key] for row in ch["by_oblast"] if row["oblast"] in v["scope"])
            assert v["measured"] == pytest.approx(want, abs=0.2) and want < ch[key]  # rows rounded to 0.1


@pytest.mark.parametrize(
    ("month_start", "month_end", "published_km2"),
    [
        # DeepState's own monthly totals of ground taken by Russia, as it published them:
        # 730 km² in November 2024 and 325 km² in January 2025 (DeepState, 1 February 2025).
        ("2024-10-31", "2024-11-30", 730.0),
        ("2024-12-31", "2025-01-31", 325.0),
    ],
)
def test_deepstate_monthly_net_matches_its_published_totals(full, month_start, month_end, published_km2):
    store, _, _ = full
    ch = change_between(store, "deepstate", month_start, month_end)
    # DeepState counts on its full map with its own grey-zone rules: allow 3 %
    assert ch["net_km2"] == pytest.approx(published_km2, rel=0.03)


def test_claims_corpus_verdicts_floor(full):
    """Verdicts on the labelled development corpus (tests/data/claims) against the real maps:
    a floor a few points under the score recorded in bench/README.md."""
    store, _, _ = full
    score = _corpus_score(store, "claims")
    assert score["verdicts"] == 3 * score["labels"]
    assert score["verdict_accuracy"] >= VERDICT_FLOOR, score["verdict_accuracy_by_source"]


VERDICT_FLOOR = 0.88


def test_heldout_claims_verdicts_floor(full):
    """Verdicts on the held-out corpus (tests/data/claims_heldout: written and labelled from
    the maps before the extractor was read): a floor a few points under the score recorded
    in bench/README.md (80.3 %)."""
    store, _, _ = full
    score = _corpus_score(store, "claims_heldout")
    assert score["verdicts"] == 3 * score["labels"]
    assert score["verdict_accuracy"] >= 0.74, score["verdict_accuracy_by_source"]


def _corpus_score(store, folder: str) -> dict:
    from frontwatch.claims.evaluate import evaluate, load_corpus
    from tests.conftest import ROOT

    return evaluate(load_corpus(ROOT / "tests" / "data" / folder), store=store,
                    sources=("deepstate", "liveuamap-nzz", "isw")).as_dict()  # fmt: skip


def test_isw_claimed_layer_judges_a_russian_claim(full):
    """Prigozhin's claim of 20 May 2023 that Bakhmut was taken, against ISW's assessed map and
    its layer of what Russian sources claim; the expected sides are read off the stored layers
    with a plain point-in-polygon test."""
    import datetime as dt

    from frontwatch.claims.model import Claim, Window
    from frontwatch.claims.verify import CLAIMED_LAYER, verify_claim
    from frontwatch.gazetteer import resolve_one
    from frontwatch.timeline import History

    store, _, _ = full
    bakhmut = resolve_one("Bakhmut")
    day = dt.date(2023, 5, 20)
    subject = {"side": "RU", "action": "capture", "place": "Bakhmut", "geonameid": bakhmut.geonameid}
    claim = Claim(kind="place_control", claimant="Yevgeny Prigozhin", window=Window(day, day), subject=subject)
    v = verify_claim(store, claim, "isw")
    rec = History(store, "isw").as_of(day).snapshot
    point = shapely.Point(bakhmut.lon, bakhmut.lat)
    claimed = store.layer(rec.id, CLAIMED_LAYER)
    assert not claimed.is_empty  # the 2023 archive separates the claimed layer from 20 May
    in_claim = claimed.contains(point) or store.layer(rec.id).contains(point)
    assert v["claimed_layer"]["snapshot_date"] == rec.valid_date == "2023-05-20"
    assert v["claimed_layer"]["measured"] == ("RU" if in_claim else "UA")
    assert v["claimed_layer"]["verdict"] == ("supported" if in_claim else "overstated")
    # a Ukrainian claimant's statement gets no claimed-layer check
    ua = Claim(kind="place_control", claimant="Hanna Maliar", window=Window(day, day), subject=dict(claim.subject))
    assert "claimed_layer" not in verify_claim(store, ua, "isw")


def test_queries_leave_the_full_store_byte_identical(full):
    """#13: queries write nothing (no steps, no areas of pairs, no checkpoint of the WAL):
    the store file and its WAL keep their bytes through queries of every source."""
    from tests.test_robustness_queries import assert_queries_write_nothing

    store, _, _ = full
    assert_queries_write_nothing(Path(store.path), [
        ["sources"],
        ["change", "-s", "deepstate", "--from", "2024-01-01", "--to", "2024-06-30"],
        ["change", "-s", "isw", "--from", "2022-09-01", "--to", "2022-09-30", "--by", "oblast"],
        ["top", "-s", "liveuamap-nzz", "--window", "7d", "--limit", "3"],
        ["series", "-s", "isw", "--every", "month", "--from", "2022-03-01", "--to", "2022-12-31"],
        ["place", "Izium", "-s", "liveuamap-nzz", "--history"],
        ["distance", "Kupiansk", "-s", "deepstate", "--on", "2024-11-15"],
    ])  # fmt: skip
