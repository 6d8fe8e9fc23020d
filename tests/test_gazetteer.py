"""Tests of the gazetteer: the shipped data, names, transliteration and lookup."""

from __future__ import annotations

import gzip
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from pyproj import Geod

from frontwatch.errors import FrontwatchError
from frontwatch.gazetteer import (
    DATA_PATH,
    DOMINANCE_MIN_POPULATION,
    DOMINANCE_RATIO,
    DUPLICATE_KM,
    EXCLUDED_CODES,
    SETTLEMENT_CODES,
    AmbiguousPlace,
    Candidate,
    Place,
    PlaceNotFound,
    UnknownOblast,
    fold_name,
    gazetteer,
    name_skeleton,
    resolve,
    resolve_one,
    romanize_ukrainian,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
RAW_DUMP = SHARED / "gazetteer" / "geonames-UA.txt.gz"

# GeoNames ids, read from the dump (geonameid, primary name, admin1/admin2).
KUPIANSK = 703656  # "Kupyansk", PPLA2, 07/6308
IZIUM = 707292  # "Izyum", PPLA2, 07/6304
BALAKLIIA = 712926  # "Balakliya", PPL, 07/6304
KYIV = 703448  # "Kyiv", PPLC, admin1 12 (Kyiv city), population 2,952,301
KYIV_VILLAGE = 704213  # "Kyiv", PPL, 16/4804: a village of 108 people in Mykolaiv oblast
KHARKIV = 706483  # "Kharkiv", PPLA, 07/6312
TROKHYMBRID = 686900  # "Trokhymbrid" (Trochenbrod), PPLW, Volyn: destroyed in 1942

WGS84 = Geod(ellps="WGS84")


# -- an independent reading of the shipped file -----------------------------------------


def _simple_fold(name: str) -> str:
    """Lowercase; apostrophes, hyphens, dots and spaces removed; Latin accents dropped."""
    out = []
    for ch in unicodedata.normalize("NFC", name).lower():
        if ch in "'’ʼ`‘′″”“\"ʹʺ´ˈ-‐‑‒–—. \u00a0":
            continue
        if "\u0400" <= ch <= "\u04ff":
            out.append("е" if ch == "ё" else ch)
        else:
            out.append("".join(c for c in unicodedata.normalize("NFKD", ch) if c.isascii()))
    return "".join(out)


@pytest.fixture(scope="module")
def shipped() -> list[dict]:
    """The places section of the shipped file, parsed here without the module's reader."""
    text = gzip.decompress(DATA_PATH.read_bytes()).decode("utf-8")
    rows, section, columns = [], None, []
    for line in text.splitlines()[1:]:
        if line.startswith("#"):
            section, *columns = line[1:].split("\t")
            continue
        if section == "places":
            rows.append(dict(zip(columns, line.split("\t"), strict=True)))
    for r in rows:
        own = [r["name"], r["name_en"], r["name_uk"]]
        r["own_folds"] = {_simple_fold(n) for n in own if n}
        r["folds"] = r["own_folds"] | {_simple_fold(n) for n in r["alternates"].split(",") if n}
    return rows


# -- the shipped data -------------------------------------------------------------------


def test_shipped_file_is_small_reproducible_and_credits_geonames():
    data = DATA_PATH.read_bytes()
    assert len(data) < 2_500_000
    assert data[4:8] == b"\0\0\0\0"  # gzip mtime 0: rebuilding gives the same bytes
    first = gzip.decompress(data).split(b"\n", 1)[0].decode()
    assert "GeoNames" in first and "CC BY 4.0" in first


@pytest.mark.shared_data
def test_every_populated_place_of_the_dump_is_shipped(shipped):
    if not RAW_DUMP.exists():
        pytest.skip(f"the GeoNames dump is not here: {RAW_DUMP} (needs ../shared/data)")
    with gzip.open(RAW_DUMP, "rt", encoding="utf-8") as fh:
        raw = [line.split("\t", 7)[0] for line in fh if line.split("\t", 7)[6] == "P"]
    assert len(raw) == 33_681
    assert len(gazetteer()) == len(raw) == len(shipped)
    assert {int(r["geonameid"]) for r in shipped} == {int(gid) for gid in raw}


def test_feature_codes_are_settlements_or_excluded(shipped):
    assert not SETTLEMENT_CODES & EXCLUDED_CODES
    assert EXCLUDED_CODES == {"PPLQ", "PPLH", "PPLW"}
    codes = {r["feature_code"] for r in shipped}
    assert codes <= SETTLEMENT_CODES | EXCLUDED_CODES
    g = gazetteer()
    settlements = [r for r in shipped if r["feature_code"] in SETTLEMENT_CODES]
    assert len(g.places()) == len(settlements)
    assert len(g.places(include_abandoned=True)) == len(g)
    assert not [p for p in g.places() if p.feature_code in EXCLUDED_CODES]


def test_places_by_oblast():
    g = gazetteer()
    kharkiv = g.places(oblast="Kharkiv")
    assert kharkiv and {p.oblast for p in kharkiv} == {"Kharkiv"}
    assert {p.oblast_code for p in kharkiv} == {"07"}
    assert g.by_id(KUPIANSK) in kharkiv
    assert g.places(oblast="Харківська") == kharkiv


def test_kupiansk_as_dict_oblast_and_raion():
    place = gazetteer().by_id(KUPIANSK)
    assert isinstance(place, Place)
    d = place.as_dict()
    assert list(d) == [
        "geonameid", "name", "name_uk", "oblast", "raion", "lat", "lon", "population",
        "feature_code",
    ]  # fmt: skip
    assert d["geonameid"] == KUPIANSK
    assert d["name"] == "Kupiansk"
    assert d["name_uk"] == "Куп’янськ"
    assert d["oblast"] == "Kharkiv"
    assert "Kupian" in d["raion"]
    assert d["feature_code"] == "PPLA2"
    assert d["population"] == 27_169
    assert (d["lat"], d["lon"]) == (
        pytest.approx(49.71003, rel=1e-9),
        pytest.approx(37.61581, rel=1e-9),
    )
    assert (place.oblast_code, place.raion_code) == ("07", "6308")
    assert "Kupyansk" in place.names and "Купянск" in place.names


@pytest.mark.parametrize(
    ("geonameid", "name", "name_uk", "raion"),
    [
        (KUPIANSK, "Kupiansk", "Куп’янськ", "Kupiansk Raion"),
        (IZIUM, "Izium", "Ізюм", "Izium Raion"),
        (BALAKLIIA, "Balakliia", "Балаклія", "Izium Raion"),
        (KHARKIV, "Kharkiv", "Харків", "Kharkiv Raion"),
        (KYIV, "Kyiv", "Київ", None),
    ],
)
def test_usual_english_names(geonameid, name, name_uk, raion):
    place = gazetteer().by_id(geonameid)
    assert (place.name, place.name_uk, place.raion) == (name, name_uk, raion)


def test_oblast_names_are_todays_english_spellings():
    names = set(gazetteer().oblast_names())
    assert {"Kharkiv", "Kyiv", "Kyiv City", "Zaporizhzhia", "Odesa", "Mykolaiv", "Luhansk",
            "Donetsk", "Kherson", "Crimea", "Sevastopol", "Vinnytsia"} <= names  # fmt: skip
    assert len(names) == 27
    assert not [n for n in names if "Oblast" in n or "'" in n]


def test_by_id_unknown():
    with pytest.raises(PlaceNotFound) as info:
        gazetteer().by_id(1)
    assert str(info.value) == "no populated place with GeoNames id 1 in the gazetteer"


def test_lonlat_arrays():
    g = gazetteer()
    everything = g.lonlat()
    assert everything.shape == (len(g), 2)
    assert everything.dtype == np.float64
    assert not everything.flags.writeable
    places = g.places(oblast="Kharkiv")
    coords = g.lonlat(places)
    assert coords.shape == (len(places), 2)
    assert coords.tolist() == [[p.lon, p.lat] for p in places]
    assert g.ids.tolist() == [p.geonameid for p in g]


# -- names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spellings",
    [
        ["Kupiansk", "Kupyansk", "Kup'yans'k", "Kup’yans’k", "Куп'янськ", "Куп’янськ", "Купянск"],
        ["Balakliia", "Balakliya", "Balakleya", "Balaklija", "Балаклія", "Балаклея"],
        ["Kyiv", "Kiev", "Kyyiv", "Київ", "Киев"],
        ["Izium", "Izyum", "Izjum", "Ізюм", "Изюм"],
        ["Zaporizhzhia", "Zaporizhzhya", "Zaporizhia", "Запоріжжя"],
        ["Ševčenkove", "Shevchenkove", "Шевченкове"],
    ],
)
def test_spellings_share_a_skeleton(spellings):
    assert len({name_skeleton(s) for s in spellings}) == 1


def test_skeletons_keep_different_names_apart():
    assert name_skeleton("Kharkiv") != name_skeleton("Kharkov")  # a vowel change, not a spelling
    assert name_skeleton("Sumy") != name_skeleton("Shumy")
    assert name_skeleton("Kherson") != name_skeleton("Herson")


def test_fold_name():
    assert fold_name("Kup’yans’k") == fold_name("KUP'YANS'K") == "kupyansk"
    assert fold_name("Kyïv") == "kyiv"
    assert fold_name("Ново-Ёлкино") == "новоелкино"


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("Куп’янськ", "Kupiansk"),
        ("Запоріжжя", "Zaporizhzhia"),
        ("Ізюм", "Izium"),
        ("Київ", "Kyiv"),
        ("Балаклія", "Balakliia"),
        ("Яготин", "Yahotyn"),
        ("Єнакієве", "Yenakiieve"),
        ("Згурівка", "Zghurivka"),
        ("Стрий", "Stryi"),
        ("Біла Церква", "Bila Tserkva"),
        ("Щастя", "Shchastia"),
    ],
)
def test_romanize_ukrainian_kmu_2010(cyrillic, latin):
    assert romanize_ukrainian(cyrillic) == latin


# -- resolve ----------------------------------------------------------------------------

SPELLINGS = {
    KUPIANSK: ["Kupiansk", "Kupyansk", "Kup'yans'k", "Куп'янськ", "Купянск", "kupiansk",
               "KUPYANSK", "Kup’yans’k"],
    BALAKLIIA: ["Balakliia", "Balakliya", "Balakleya", "Балаклія", "Балаклея"],
    KYIV: ["Kyiv", "Kiev", "Київ", "Киев"],
    IZIUM: ["Izium", "Izyum", "Ізюм", "Изюм"],
    KHARKIV: ["Kharkiv", "Kharkov", "Харків", "Харьков"],
}  # fmt: skip


@pytest.mark.parametrize(
    ("spelling", "geonameid"),
    [(s, gid) for gid, spellings in SPELLINGS.items() for s in spellings],
)
def test_every_spelling_resolves(spelling, geonameid):
    assert resolve_one(spelling).geonameid == geonameid
    # Ranked by match first: "Балаклея" is also the Ukrainian name (exact) of a village in
    # Cherkasy oblast, which resolve_one passes over for the town of 26,334 people.
    found = {c.place.geonameid: c for c in resolve(spelling)}
    assert found[geonameid].match in {"exact", "alternate"}


@pytest.mark.parametrize(
    ("misspelling", "geonameid", "match"),
    [
        ("Kupyansk", KUPIANSK, "exact"),  # GeoNames' own primary name
        ("Balaklia", BALAKLIIA, "transliteration"),
        ("Izyumm", IZIUM, "transliteration"),
        ("Kupiansl", KUPIANSK, "fuzzy"),
        ("Kharkif", KHARKIV, "fuzzy"),
    ],
)
def test_misspellings_find_the_place(misspelling, geonameid, match):
    if match == "fuzzy":  # offered first, never taken silently
        with pytest.raises(PlaceNotFound) as info:
            resolve_one(misspelling)
        assert info.value.suggestions[0].startswith(gazetteer().by_id(geonameid).name)
    else:
        assert resolve_one(misspelling).geonameid == geonameid
    best = resolve(misspelling)[0]
    assert (best.place.geonameid, best.match) == (geonameid, match)
    assert 0 < best.score <= 100


@pytest.mark.parametrize("name", ["Kursk", "Belgorod", "Minsk"])
def test_foreign_cities_are_not_taken_for_ukrainian_villages(name):
    with pytest.raises(PlaceNotFound):
        resolve_one(name)


def test_scores_by_match():
    scores = {c.match: c.score for name in ("Kupiansk", "Kharkov", "Balaklia", "Kupiansl")
              for c in resolve(name)[:1]}  # fmt: skip
    assert scores["exact"] == 100
    assert scores["alternate"] == 95
    assert scores["transliteration"] == 90
    assert 0 < scores["fuzzy"] <= 85


def test_ranking_is_by_match_then_population():
    found = resolve("Shevchenkove", limit=None)
    keys = [(-c.score, -c.place.population) for c in found]
    assert keys == sorted(keys)
    assert len(resolve("Shevchenkove")) == 10
    assert resolve("Shevchenkove", limit=3) == found[:3]
    assert all(isinstance(c, Candidate) for c in found)
    assert list(found[0].as_dict())[-4:] == ["score", "match", "matched_name", "distance_km"]


def test_unknown_name_lists_suggestions():
    with pytest.raises(PlaceNotFound) as info:
        resolve_one("Kupianskyi Hrad")
    error = info.value
    assert isinstance(error, LookupError) and isinstance(error, FrontwatchError)
    assert error.name == "Kupianskyi Hrad"
    assert error.suggestions[0] == "Kupiansk (Kharkiv)"
    assert 1 <= len(error.suggestions) <= 5
    assert str(error) == (f"no place named 'Kupianskyi Hrad'; did you mean: {', '.join(error.suggestions)}?")
    assert resolve("Kupianskyi Hrad") == []


def test_not_found_in_oblast_points_to_the_place_elsewhere():
    with pytest.raises(PlaceNotFound) as info:
        resolve_one("Kupiansk", oblast="Kherson")
    assert info.value.suggestions[0] == "Kupiansk (Kharkiv)"
    # only names close to the best are offered (#18): the exact name elsewhere, alone
    assert str(info.value) == "no place named 'Kupiansk' in Kherson oblast; did you mean: Kupiansk (Kharkiv)?"


def test_nonsense_finds_nothing():
    for name in ("Xyzzyq", "Zzzz", "", "  ", "'-"):
        assert resolve(name) == []
        with pytest.raises(PlaceNotFound):
            resolve_one(name)


def _name_matches(shipped: list[dict], name: str, admin1: str | None = None) -> list[dict]:
    key = _simple_fold(name)
    return [
        r
        for r in shipped
        if key in r["folds"] and r["feature_code"] not in EXCLUDED_CODES and (admin1 is None or r["admin1"] == admin1)
    ]


def test_shevchenkove_is_ambiguous(shipped):
    expected = _name_matches(shipped, "Shevchenkove")
    with pytest.raises(AmbiguousPlace) as info:
        resolve_one("Shevchenkove")
    error = info.value
    assert isinstance(error, LookupError) and isinstance(error, FrontwatchError)
    assert error.name == "Shevchenkove"
    assert len(error.candidates) > 10
    ids = [c.place.geonameid for c in error.candidates]
    assert len(set(ids)) == len(ids)
    assert set(ids) <= {int(r["geonameid"]) for r in expected}
    message = str(error)
    assert message.startswith(f"'Shevchenkove' matches {len(ids)} places equally well: ")
    first = error.candidates[0].place
    assert f"Shevchenkove ({first.oblast}, {first.raion}, " in message
    assert message.endswith("To choose, give an oblast (oblast=...) or a nearby point (near=(lon, lat))")


def test_shevchenkove_in_kharkiv_oblast(shipped):
    """What oblast="Kharkiv" leaves, and the answer the rules give, from the file alone."""
    rows = _name_matches(shipped, "Shevchenkove", admin1="07")
    assert len(rows) > 1
    ids = {int(r["geonameid"]) for r in rows}
    found = resolve("Shevchenkove", oblast="Kharkiv", limit=None)
    assert {c.place.geonameid for c in found if c.match in ("exact", "alternate")} == ids
    # No two of them are one place recorded twice (closer than DUPLICATE_KM):
    for i, a in enumerate(rows):
        for b in rows[i + 1 :]:
            _, _, metres = WGS84.inv(float(a["lon"]), float(a["lat"]), float(b["lon"]), float(b["lat"]))
            assert metres >= DUPLICATE_KM * 1000 or a["name_en"] != b["name_en"]
    pops = sorted((int(r["population"]) for r in rows), reverse=True)
    dominant = pops[0] >= DOMINANCE_MIN_POPULATION and pops[0] >= DOMINANCE_RATIO * pops[1]
    exact = [r for r in rows if _simple_fold("Shevchenkove") in r["own_folds"]]
    if dominant or len(exact) == 1:
        winner = max(rows, key=lambda r: int(r["population"])) if dominant else exact[0]
        assert resolve_one("Shevchenkove", oblast="Kharkiv").geonameid == int(winner["geonameid"])
    else:
        with pytest.raises(AmbiguousPlace) as info:
            resolve_one("Shevchenkove", oblast="Kharkiv")
        assert {c.place.geonameid for c in info.value.candidates} == ids
        assert {c.place.oblast for c in info.value.candidates} == {"Kharkiv"}
        assert "in Kharkiv oblast equally well" in str(info.value)
        assert str(info.value).endswith("To choose, give a nearby point (near=(lon, lat)) or pick one by GeoNames id")


def test_much_larger_place_wins_outright(shipped):
    rows = _name_matches(shipped, "Kyiv")
    assert {int(r["geonameid"]) for r in rows} >= {KYIV, KYIV_VILLAGE}
    assert resolve_one("Kyiv").geonameid == KYIV
    # Bakhmut was Artemivsk; so was Kypuche (Luhansk), a tenth of its size.
    assert resolve_one("Artemivsk").name == "Bakhmut"


def test_near_picks_the_nearest_of_equals():
    village = gazetteer().by_id(KYIV_VILLAGE)
    assert resolve_one("Kyiv", near=(village.lon + 0.1, village.lat)).geonameid == KYIV_VILLAGE
    kupiansk = gazetteer().by_id(KUPIANSK)
    found = resolve("Shevchenkove", near=(kupiansk.lon, kupiansk.lat), limit=None)
    distances = [c.distance_km for c in found if c.score == 100]
    assert distances == sorted(distances)
    nearest = found[0]
    _, _, metres = WGS84.inv(kupiansk.lon, kupiansk.lat, nearest.place.lon, nearest.place.lat)
    assert nearest.distance_km == pytest.approx(metres / 1000, rel=1e-6)
    assert resolve("Kupiansk")[0].distance_km is None


@pytest.mark.parametrize(
    "oblast",
    ["Kharkiv", "Kharkivska", "Kharkiv oblast", "Kharkiv Oblast", "Kharkivs'ka Oblast'",
     "Харківська", "Харківська область", "Харьковская область", "Kharkov", "07", "7"],
)  # fmt: skip
def test_oblast_filter_forms(oblast):
    assert gazetteer().oblast_codes(oblast) == {"07"}
    assert resolve_one("Kupiansk", oblast=oblast).geonameid == KUPIANSK


def test_oblast_filter_city_and_region():
    g = gazetteer()
    assert g.oblast_codes("Kyiv") == {"12", "13"}
    assert g.oblast_codes("Kyiv City") == {"12"}
    assert g.oblast_codes("Kyivska") == {"13"}
    assert g.oblast_codes("Crimea") == {"11", "20"}
    assert g.oblast_codes("Sevastopol") == {"20"}
    assert resolve_one("Kyiv", oblast="Mykolaiv").geonameid == KYIV_VILLAGE


def test_unknown_oblast():
    with pytest.raises(UnknownOblast) as info:
        resolve("Kupiansk", oblast="Atlantis")
    assert str(info.value).startswith("unknown oblast 'Atlantis'; known: Cherkasy, Chernihiv, ")
    with pytest.raises(UnknownOblast):
        gazetteer().oblast_codes("99")


# -- abandoned places -------------------------------------------------------------------


def test_abandoned_places_only_on_request(shipped):
    everyone = {}
    for r in shipped:
        for key in r["folds"]:
            everyone.setdefault(key, set()).add(r["geonameid"])
    excluded = [
        r
        for r in shipped
        if r["feature_code"] in EXCLUDED_CODES and everyone[_simple_fold(r["name_en"])] == {r["geonameid"]}
    ]
    assert len(excluded) > 50
    assert {r["feature_code"] for r in excluded} == EXCLUDED_CODES
    for r in excluded:
        gid = int(r["geonameid"])
        assert gid not in {c.place.geonameid for c in resolve(r["name_en"], limit=None)}
        assert resolve(r["name_en"], include_abandoned=True)[0].place.geonameid == gid
        assert resolve_one(r["name_en"], include_abandoned=True).geonameid == gid


def test_abandoned_place_not_found_says_so():
    place = gazetteer().by_id(TROKHYMBRID)
    assert (place.name, place.feature_code, place.oblast) == ("Trokhymbrid", "PPLW", "Volyn")
    assert place.abandoned
    with pytest.raises(PlaceNotFound) as info:
        resolve_one("Trokhymbrid")
    assert str(info.value).endswith("; an abandoned, historical or destroyed place has that name (include_abandoned=True)")
    assert resolve_one("Trokhymbrid", include_abandoned=True) == place


def test_a_town_wins_over_hamlets_of_its_name_and_says_so():
    # #18: "Marinka" is the Donetsk town (9,089 people) and three hamlets of unknown size
    notes: list[str] = []
    place = resolve_one("Marinka", explain=notes)
    assert (place.oblast, place.population) == ("Donetsk", 9089)
    [note] = notes
    assert "Marinka (Lviv" in note and "Marinka (Dnipropetrovsk" in note and "10×" in note
    # two towns of 62,000 and 36,000 are not a clear pick
    with pytest.raises(AmbiguousPlace) as info:
        resolve_one("Pervomaisk")
    pops = sorted((c.place.population for c in info.value.candidates), reverse=True)
    assert pops[0] < 10 * pops[1]


def test_no_meaningless_suggestions():
    with pytest.raises(PlaceNotFound) as info:
        resolve_one("Atlantis")
    assert info.value.suggestions == [] and str(info.value) == "no place named 'Atlantis'"
    with pytest.raises(PlaceNotFound) as info:
        resolve_one("Vuhledr")
    assert info.value.suggestions[0] == "Vuhledar (Donetsk)"
