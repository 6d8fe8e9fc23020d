"""Rules added after the held-out corpus (tests/data/claims_heldout) showed what the extractor
missed on text it had never seen (#10). Each sentence here is our own wording of a real, dated
public statement, worded unlike the held-out texts; expected fields are read off the sentence
by hand. The held-out corpus's floors are at the end."""

from __future__ import annotations

from datetime import date

import pytest

from frontwatch.claims import extract_claims
from frontwatch.claims.evaluate import evaluate, load_corpus
from frontwatch.claims.extract.places import _claimant_side, _region
from frontwatch.gazetteer import resolve_one
from tests.conftest import ROOT, claim_window

HELDOUT = ROOT / "tests" / "data" / "claims_heldout"


def _claims(text: str, published: date, kind: str = "place_control"):
    return [c for c in extract_claims(text, published=published) if c.kind == kind]


def _gid(name: str, oblast: str | None = None) -> int:
    return resolve_one(name, oblast=oblast).geonameid


@pytest.mark.parametrize(
    ("text", "published", "claimant", "side", "action", "place", "window"),
    [
        # Russia's defence ministry on Lysychansk, Sunday 3 July 2022: adverbs before "in Russian hands"
        (
            "Lysychansk is now completely in Russian hands, the Russian Defence Ministry said on Sunday.",
            date(2022, 7, 4),
            "Russian Defence Ministry",
            "RU",
            "hold",
            "Lysychansk",
            ("2022-07-03", "2022-07-03"),
        ),
        # the Kremlin on Avdiivka, Saturday 17 February 2024: "declared X under its control"
        (
            "The Kremlin declared Avdiivka fully under its control on Saturday.",
            date(2024, 2, 18),
            "Kremlin",
            "RU",
            "hold",
            "Avdiivka",
            ("2024-02-17", "2024-02-17"),
        ),
        # Prigozhin on Bakhmut, Saturday 20 May 2023: "had already said", "the whole of"
        (
            "Yevgeny Prigozhin had already said on Saturday that Wagner held the whole of Bakhmut.",
            date(2023, 5, 22),
            "Yevgeny Prigozhin",
            "RU",
            "hold",
            "Bakhmut",
            ("2023-05-20", "2023-05-20"),
        ),
        # Maliar on Robotyne, 28 August 2023: who said it in a relative clause, with its date
        (
            "Ukrainian units pushed south of Robotyne, which Hanna Maliar said on 28 August had been liberated.",
            date(2023, 9, 2),
            "Hanna Maliar",
            "UA",
            "liberate",
            "Robotyne",
            ("2023-08-28", "2023-08-28"),
        ),
        # Ukraine's General Staff on Avdiivka, Saturday 17 February 2024: the speaker after a colon
        (
            "Kyiv conceded a loss in the east: on Saturday Ukraine's General Staff said its troops had withdrawn "
            "from Avdiivka.",
            date(2024, 2, 18),
            "Ukraine's General Staff",
            "UA",
            "withdraw",
            "Avdiivka",
            ("2024-02-17", "2024-02-17"),
        ),
        # Syrskyi on Avdiivka, 17 February 2024: a withdrawal "to the outskirts of" a town leaves it
        (
            "Oleksandr Syrskyi said on Saturday that his units had withdrawn to the western outskirts of Avdiivka.",
            date(2024, 2, 18),
            "Oleksandr Syrskyi",
            "UA",
            "withdraw",
            "Avdiivka",
            ("2024-02-17", "2024-02-17"),
        ),
    ],
)
def test_place_phrasings(text, published, claimant, side, action, place, window):
    [c] = _claims(text, published)
    assert (c.claimant, c.subject["side"], c.subject["action"]) == (claimant, side, action)
    assert c.subject["geonameid"] == _gid(place)
    assert claim_window(c) == window


def test_the_port_city_after_declared_is_the_place_named_before():
    # Putin on Mariupol, Thursday 21 April 2022
    text = "Russian forces had encircled Mariupol for weeks. Putin declared the port city liberated on Thursday."
    [c] = [c for c in _claims(text, date(2022, 4, 22)) if c.claimant == "Putin"]
    assert (c.subject["geonameid"], c.subject["side"], claim_window(c)) == (
        _gid("Mariupol"),
        "RU",
        ("2022-04-21", "2022-04-21"),
    )


def test_a_denial_of_the_town_taken_restates_the_claim_before():
    # Gerasimov and Ukraine's General Staff on Kupiansk, Thursday 20 November 2025
    text = ("Valery Gerasimov said on Thursday that Kupyansk had been liberated. "
            "Ukraine's General Staff denied that the city had been captured.")  # fmt: skip
    claims = _claims(text, date(2025, 11, 21))
    denial = next(c for c in claims if c.stance == "disputes")
    assert (denial.claimant, denial.subject["side"], denial.subject["geonameid"]) == (
        "Ukraine's General Staff",
        "RU",
        _gid("Kupiansk"),
    )
    claim = next(c for c in claims if c.stance == "claims")
    assert [r["claimant"] for r in claim.responses] == ["Ukraine's General Staff"]


def test_among_the_villages_the_enemy_left_are_listed_places():
    # Oleksandr Syrskyi on Klishchiivka and Andriivka, Sunday 17 September 2023
    text = ("Among the villages the invaders were forced out of are Klishchiivka and Andriivka, "
            "Oleksandr Syrskyi said on Sunday.")  # fmt: skip
    claims = _claims(text, date(2023, 9, 18))
    assert [(c.subject["place"], c.subject["side"], c.subject["action"], c.claimant) for c in claims] == [
        ("Klishchiivka", "RU", "withdraw", "Oleksandr Syrskyi"),
        ("Andriivka", "RU", "withdraw", "Oleksandr Syrskyi"),
    ]


def test_a_claim_of_several_places_and_leave_as():
    # Russia's defence ministry on Lysychansk and Bilohorivka, 3 July 2022
    claims = _claims("Moscow claims Lysychansk and Bilohorivka", date(2022, 7, 3))
    assert [c.subject["place"] for c in claims] == ["Lysychansk", "Bilohorivka"]
    # "leaves X as the ...": X is left so, nobody withdraws from it (February 2024)
    assert _claims("The loss of Avdiivka leaves Pokrovsk as the main hub of the front.", date(2024, 2, 20)) == []


def test_a_region_of_russia_declared_freed_is_a_claim_about_russia():
    # Valery Gerasimov on the Kursk region, Saturday 26 April 2025
    [c] = _claims("The Kursk region has been fully freed, Valery Gerasimov said on Saturday.", date(2025, 4, 27))
    assert (c.claimant, c.subject["side"], c.subject["country"], c.subject["region"]) == (
        "Valery Gerasimov",
        "RU",
        "RU",
        "Kursk",
    )
    # a state in the claimant's name outweighs its institution's words
    assert _claimant_side("Russia's Chief of the General Staff") == "RU"
    assert _claimant_side("Ukraine's General Staff") == "UA"


def test_an_appositive_with_a_capitalised_adjective_is_not_the_claimant():
    # DeepState's total for November 2024, published Sunday 1 December 2024
    text = (
        "DeepState, an analytical project close to Ukraine's defence ministry, said on Sunday that Russia "
        "took 730 sq km last month."
    )
    [c] = _claims(text, date(2024, 12, 1), "area_change")
    assert (c.claimant, c.quantity.value, claim_window(c)) == ("DeepState", 730.0, ("2024-10-31", "2024-11-30"))


def test_scopes_two_oblasts_and_where_most_of_a_total_lies():
    # Zaluzhnyi's count for the south, 1 October to 9 November 2022
    [c] = _claims("Ukrainian forces liberated 1,381 sq km in the Kherson and Mykolaiv regions between 1 October "
                  "and 9 November, Valerii Zaluzhnyi said.", date(2022, 11, 10), "area_change")  # fmt: skip
    assert c.subject["oblasts"] == ["Kherson", "Mykolaiv"]
    # DeepState's November 2024: "mostly in the Donetsk region" describes the total, it does not scope it
    [c] = _claims("DeepState said on Sunday that Russia took 730 sq km in November, mostly in the Donetsk region.",
                  date(2024, 12, 1), "area_change")  # fmt: skip
    assert "oblast" not in c.subject and "region" not in c.subject
    assert _region("Russia holds 110,000 sq km, much of it in the east.") == {}


def test_inside_ukraine_drops_the_region_of_russia_before():
    # Syrskyi's Kursk figure of August 2024, then Russia's stock in Ukraine
    text = "Ukraine holds about 1,000 sq km of Russia's Kursk region. Inside Ukraine, Russia holds about 110,000 sq km."
    [c] = [c for c in _claims(text, date(2024, 8, 13), "area_held") if c.subject["side"] == "RU"]
    assert "country" not in c.subject and c.quantity.value == 110_000.0


def test_a_share_of_the_territory_is_of_the_region_named_and_is_a_level():
    # Leonid Pasechnik on the Luhansk region, Monday 30 June 2025
    text = ("Leonid Pasechnik said on Monday that the Luhansk region had been liberated and that 100 percent "
            "of its territory was under Russian control.")  # fmt: skip
    [c] = _claims(text, date(2025, 7, 1), "share")
    assert (c.subject["oblast"], c.subject["action"], c.quantity.value) == ("Luhansk", "hold", 100.0)
    assert "change" not in c.subject and claim_window(c) == ("2025-06-30", "2025-06-30")


# --------------------------------------------------------------------------------------
# The held-out corpus: floors a few points under the scores recorded in bench/README.md


def test_the_heldout_corpus_is_in_the_development_format():
    texts = load_corpus(HELDOUT)
    assert len(texts) >= 12 and sum(len(t.labels) for t in texts) >= 36
    for t in texts:
        for lab in t.labels:
            assert set(lab["verdicts"]) == {"deepstate", "liveuamap-nzz", "isw"}, (t.name, lab["quote"])


def test_heldout_fields_floor():
    score = evaluate(load_corpus(HELDOUT)).as_dict()
    assert score["claim_recall"] >= 0.88 and score["claim_precision"] >= 0.95
    assert score["fields_right"] >= 0.86


# (the held-out verdicts floor needs the full store: tests/test_full_data.py)


def test_a_whole_oblast_is_a_share_of_100_percent_read_without_rounding():
    # Sergei Shoigu on the Luhansk region, Sunday 3 July 2022
    [c] = _claims("The Luhansk region is now entirely under Russian control, Sergei Shoigu said on Sunday.",
                  date(2022, 7, 4), "share")  # fmt: skip
    assert (c.subject["oblast"], c.subject["side"], c.quantity.value, c.quantity.unit) == ("Luhansk", "RU", 100.0, "percent")
    assert claim_window(c) == ("2022-07-03", "2022-07-03")
    # 100 % admits half a point: 420 km² of the oblast's 26,310 km² still held by the other side is
    # 1.6 points, a real remainder; 50 km² (0.19 points) is within it
    from frontwatch.claims.judge import compare

    assert not compare(100 * (26_310 - 420) / 26_310, c.quantity)
    assert compare(100 * (26_310 - 50) / 26_310, c.quantity)
    # a region that is not all of it gives no share
    assert _claims("The Luhansk region is under Russian control, Shoigu said.", date(2022, 7, 4), "share") == []


def test_a_clause_calling_the_claim_false_disputes_it():
    # the Russian claim on Kurakhove and Kyiv's answer, Monday 6 January 2025
    [c] = _claims("Moscow says Kurakhove captured; Kyiv calls the claim false", date(2025, 1, 6))
    assert (c.claimant, c.subject["geonameid"]) == ("Moscow", _gid("Kurakhove"))
    assert [(r["claimant"], r["stance"]) for r in c.responses] == [("Kyiv", "disputes")]
