"""Build the gazetteer the package ships, from the GeoNames dump for Ukraine.

Run once by a developer (the output is committed): ``python tools/build_gazetteer.py``.
Reads ``../shared/data/gazetteer/geonames-UA.txt.gz`` (GeoNames, CC BY 4.0, credit
"GeoNames") and writes ``frontwatch/data/gazetteer.tsv.gz`` (gzip with mtime 0, so the same
input gives the same bytes): a tab-separated text file whose first line names the format
and the source, then three sections, each opened by a ``#section<TAB>columns...`` line:

``#places``
    every feature-class-P row of the dump: geonameid, name (GeoNames primary), name_en
    (the usual English name, :func:`frontwatch.gazetteer.english_name`), name_uk,
    alternates (comma-separated), lat, lon, feature_code, admin1, admin2, population;
``#admin1``
    code, English name, Ukrainian name, aliases (comma-separated names of the oblast, for
    the ``oblast=`` filter);
``#admin2``
    admin1, admin2, English raion name.

Choices
-------
Alternate names
    Only Latin- and Cyrillic-script names are kept. Dropped as junk: names with digits,
    ``@``, ``/``, ``http`` or ``www`` (URLs, postal codes), all-capital codes of at most
    four letters (IATA/ICAO: IEV, HRK), names shorter than two letters, and all-lowercase
    Latin names (GeoNames' automatic transliterations of names in other scripts, such as
    "ji fu" or "kheiyf"). Duplicates after :func:`frontwatch.gazetteer.fold_name` (same
    letters up to case, apostrophes, hyphens and diacritics) and names equal to the
    primary, English or Ukrainian name are dropped.
Ukrainian name (``name_uk``)
    Only Cyrillic names written with letters of the Ukrainian alphabet qualify (none with
    Russian-only ы э ё ъ, or Belarusian ў, Serbian ј, ...). GeoNames' primary names for
    Ukraine are mostly KMU 2010 romanizations of the Ukrainian name, so when the primary
    name does not look like a romanization of Russian (-ovka, -evka, -oye, -aya, -iy, -yy,
    -ye endings or apostrophes) and a candidate romanizes (KMU 2010) to it, that candidate
    is the Ukrainian name (Кременчук for Kremenchuk, not the dialect Кремінчук; Бровари, not
    Belarusian Броварі). Otherwise the candidate with the highest score: its skeleton
    similarity to the primary name (rapidfuzz ``ratio`` of
    :func:`frontwatch.gazetteer.name_skeleton`, 0-100), +15 when it has a Ukrainian-only
    letter (і ї є ґ), +5 for an apostrophe before я ю є ї (Куп’янськ), +5 for a soft sign in
    -ськ/-цьк/-зьк. Similarity comes first so that old or merged names GeoNames lists
    (Купчінка for Kupiansk) do not win by having an і; the Ukrainian-letter bonus makes
    Петрівка beat Петровка for a place GeoNames still calls Petrovka. Ties go to the first
    in GeoNames' order. None when no Cyrillic name qualifies. A heuristic: where GeoNames
    has a Russian-based primary name without those marks (Rechka, Svetlodarsk), the
    Russian spelling can win.
Oblasts and raions
    English names in today's usual spelling, written out below (GeoNames' own are a mix:
    "Zaporizhzhya Oblast", "Kupianska Miskrada", "Izyum Raion"); raions as in the 2020
    reform, with the renamings of 2024 (Samar, Berestyn, Sheptytskyi, Kurman, Perekop).
"""

from __future__ import annotations

import gzip
import re
import sys
import unicodedata
from pathlib import Path

from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from frontwatch.gazetteer import (  # noqa: E402
    FORMAT,
    english_name,
    fold_name,
    name_skeleton,
    romanize_ukrainian,
)

SRC = ROOT.parent / "shared" / "data" / "gazetteer" / "geonames-UA.txt.gz"
OUT = ROOT / "frontwatch" / "data" / "gazetteer.tsv.gz"

# GeoNames admin1 code -> (English name, Ukrainian name).
OBLASTS = {
    "01": ("Cherkasy", "Черкаська"), "02": ("Chernihiv", "Чернігівська"),
    "03": ("Chernivtsi", "Чернівецька"), "04": ("Dnipropetrovsk", "Дніпропетровська"),
    "05": ("Donetsk", "Донецька"), "06": ("Ivano-Frankivsk", "Івано-Франківська"),
    "07": ("Kharkiv", "Харківська"), "08": ("Kherson", "Херсонська"),
    "09": ("Khmelnytskyi", "Хмельницька"), "10": ("Kirovohrad", "Кіровоградська"),
    "11": ("Crimea", "Автономна Республіка Крим"), "12": ("Kyiv City", "Київ"),
    "13": ("Kyiv", "Київська"), "14": ("Luhansk", "Луганська"), "15": ("Lviv", "Львівська"),
    "16": ("Mykolaiv", "Миколаївська"), "17": ("Odesa", "Одеська"),
    "18": ("Poltava", "Полтавська"), "19": ("Rivne", "Рівненська"),
    "20": ("Sevastopol", "Севастополь"), "21": ("Sumy", "Сумська"),
    "22": ("Ternopil", "Тернопільська"), "23": ("Vinnytsia", "Вінницька"),
    "24": ("Volyn", "Волинська"), "25": ("Zakarpattia", "Закарпатська"),
    "26": ("Zaporizhzhia", "Запорізька"), "27": ("Zhytomyr", "Житомирська"),
}  # fmt: skip
# Aliases beyond GeoNames' own names of the unit: "Kyiv" also means the city, "Crimea"
# also Sevastopol (the everyday use; the shipped oblast outlines draw them together too).
EXTRA_ALIASES = {
    "11": ["Krym", "Крим", "Крым"], "12": ["Kyiv", "Misto Kyiv", "Kiev City"],
    "20": ["Crimea", "Krym", "Крим", "Крым", "Sevastopol City"],
}  # fmt: skip

# (admin1, admin2) -> English raion name ("<town> Raion", KMU 2010 spelling; Kyiv's and
# Sevastopol's city districts). 700468 and 712927 have no ADM2 row in the dump.
RAIONS = {
    ("01", "7102"): "Zvenyhorodka Raion", ("01", "7104"): "Zolotonosha Raion",
    ("01", "7106"): "Uman Raion", ("01", "7108"): "Cherkasy Raion",
    ("02", "7402"): "Koriukivka Raion", ("02", "7404"): "Nizhyn Raion",
    ("02", "7406"): "Novhorod-Siverskyi Raion", ("02", "7408"): "Pryluky Raion",
    ("02", "7410"): "Chernihiv Raion",
    ("03", "7302"): "Vyzhnytsia Raion", ("03", "7304"): "Dnistrovskyi Raion",
    ("03", "7306"): "Chernivtsi Raion",
    ("04", "1202"): "Dnipro Raion", ("04", "1204"): "Kamianske Raion",
    ("04", "1206"): "Kryvyi Rih Raion", ("04", "1208"): "Nikopol Raion",
    ("04", "1210"): "Samar Raion", ("04", "1212"): "Pavlohrad Raion",
    ("04", "1214"): "Synelnykove Raion",
    ("05", "1402"): "Bakhmut Raion", ("05", "1404"): "Volnovakha Raion",
    ("05", "1406"): "Horlivka Raion", ("05", "1408"): "Donetsk Raion",
    ("05", "1410"): "Kalmiuske Raion", ("05", "1412"): "Kramatorsk Raion",
    ("05", "1414"): "Mariupol Raion", ("05", "1416"): "Pokrovsk Raion",
    ("06", "2602"): "Verkhovyna Raion", ("06", "2604"): "Ivano-Frankivsk Raion",
    ("06", "2606"): "Kalush Raion", ("06", "2608"): "Kolomyia Raion",
    ("06", "2610"): "Kosiv Raion", ("06", "2612"): "Nadvirna Raion",
    ("07", "6302"): "Bohodukhiv Raion", ("07", "6304"): "Izium Raion",
    ("07", "6306"): "Berestyn Raion", ("07", "6308"): "Kupiansk Raion",
    ("07", "6310"): "Lozova Raion", ("07", "6312"): "Kharkiv Raion",
    ("07", "6314"): "Chuhuiv Raion",
    ("08", "6502"): "Beryslav Raion", ("08", "6504"): "Henichesk Raion",
    ("08", "6506"): "Kakhovka Raion", ("08", "6508"): "Skadovsk Raion",
    ("08", "6510"): "Kherson Raion",
    ("09", "6802"): "Kamianets-Podilskyi Raion", ("09", "6804"): "Khmelnytskyi Raion",
    ("09", "6806"): "Shepetivka Raion",
    ("10", "3502"): "Holovanivsk Raion", ("10", "3504"): "Kropyvnytskyi Raion",
    ("10", "3506"): "Novoukrainka Raion", ("10", "3508"): "Oleksandriia Raion",
    ("11", "0102"): "Bakhchysarai Raion", ("11", "0104"): "Bilohirsk Raion",
    ("11", "0106"): "Dzhankoi Raion", ("11", "0108"): "Yevpatoriia Raion",
    ("11", "0110"): "Kerch Raion", ("11", "0112"): "Kurman Raion",
    ("11", "0114"): "Perekop Raion", ("11", "0116"): "Simferopol Raion",
    ("11", "0118"): "Feodosiia Raion", ("11", "0120"): "Yalta Raion",
    ("12", "687055"): "Solomianskyi District", ("12", "694120"): "Shevchenkivskyi District",
    ("12", "696872"): "Podilskyi District", ("12", "697796"): "Pecherskyi District",
    ("12", "700708"): "Holosiivskyi District", ("12", "701078"): "Obolonskyi District",
    ("12", "703266"): "Sviatoshynskyi District", ("12", "710276"): "Darnytskyi District",
    ("12", "8520167"): "Desnianskyi District", ("12", "8693025"): "Dniprovskyi District",
    ("13", "3202"): "Bila Tserkva Raion", ("13", "3204"): "Boryspil Raion",
    ("13", "3206"): "Brovary Raion", ("13", "3208"): "Bucha Raion",
    ("13", "3210"): "Vyshhorod Raion", ("13", "3212"): "Obukhiv Raion",
    ("13", "3214"): "Fastiv Raion",
    ("14", "4402"): "Alchevsk Raion", ("14", "4404"): "Dovzhansk Raion",
    ("14", "4406"): "Luhansk Raion", ("14", "4408"): "Rovenky Raion",
    ("14", "4410"): "Svatove Raion", ("14", "4412"): "Sievierodonetsk Raion",
    ("14", "4414"): "Starobilsk Raion", ("14", "4416"): "Shchastia Raion",
    ("15", "4602"): "Drohobych Raion", ("15", "4604"): "Zolochiv Raion",
    ("15", "4606"): "Lviv Raion", ("15", "4608"): "Sambir Raion",
    ("15", "4610"): "Stryi Raion", ("15", "4612"): "Sheptytskyi Raion",
    ("15", "4614"): "Yavoriv Raion",
    ("16", "4802"): "Bashtanka Raion", ("16", "4804"): "Voznesensk Raion",
    ("16", "4806"): "Mykolaiv Raion", ("16", "4808"): "Pervomaisk Raion",
    ("17", "5102"): "Berezivka Raion", ("17", "5104"): "Bilhorod-Dnistrovskyi Raion",
    ("17", "5106"): "Bolhrad Raion", ("17", "5108"): "Izmail Raion",
    ("17", "5110"): "Odesa Raion", ("17", "5112"): "Podilsk Raion",
    ("17", "5114"): "Rozdilna Raion",
    ("18", "5302"): "Kremenchuk Raion", ("18", "5304"): "Lubny Raion",
    ("18", "5306"): "Myrhorod Raion", ("18", "5308"): "Poltava Raion",
    ("19", "5602"): "Varash Raion", ("19", "5604"): "Dubno Raion",
    ("19", "5606"): "Rivne Raion", ("19", "5608"): "Sarny Raion",
    ("20", "700468"): "Nakhimovskyi District", ("20", "712927"): "Balaklava District",
    ("21", "5902"): "Konotop Raion", ("21", "5904"): "Okhtyrka Raion",
    ("21", "5906"): "Romny Raion", ("21", "5908"): "Sumy Raion",
    ("21", "5910"): "Shostka Raion",
    ("22", "6102"): "Kremenets Raion", ("22", "6104"): "Ternopil Raion",
    ("22", "6106"): "Chortkiv Raion",
    ("23", "0502"): "Vinnytsia Raion", ("23", "0504"): "Haisyn Raion",
    ("23", "0506"): "Zhmerynka Raion", ("23", "0508"): "Mohyliv-Podilskyi Raion",
    ("23", "0510"): "Tulchyn Raion", ("23", "0512"): "Khmilnyk Raion",
    ("24", "0702"): "Volodymyr Raion", ("24", "0704"): "Kamin-Kashyrskyi Raion",
    ("24", "0706"): "Kovel Raion", ("24", "0708"): "Lutsk Raion",
    ("25", "2102"): "Berehove Raion", ("25", "2104"): "Mukachevo Raion",
    ("25", "2106"): "Rakhiv Raion", ("25", "2108"): "Tiachiv Raion",
    ("25", "2110"): "Uzhhorod Raion", ("25", "2112"): "Khust Raion",
    ("26", "2302"): "Berdiansk Raion", ("26", "2304"): "Vasylivka Raion",
    ("26", "2306"): "Zaporizhzhia Raion", ("26", "2308"): "Melitopol Raion",
    ("26", "2310"): "Polohy Raion",
    ("27", "1802"): "Berdychiv Raion", ("27", "1804"): "Zhytomyr Raion",
    ("27", "1806"): "Korosten Raion", ("27", "1808"): "Zviahel Raion",
}  # fmt: skip
CITY_DISTRICTS_WITHOUT_ROW = {("20", "700468"), ("20", "712927")}

_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff\u0300-\u036f'’ʼ`‘ .()\-]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff\u0300-\u036f'’ʼ`‘ .()\-]+")
_JUNK = re.compile(r"[0-9@/]|http|www", re.IGNORECASE)
_UKRAINIAN_ALPHABET = set("абвгґдеєжзиіїйклмнопрстуфхцчшщьюя")
_UKRAINIAN_ONLY = set("іїєґ")
_APOSTROPHE_IOTATED = re.compile(r"['’ʼ][яюєї]")
_SOFT_SK = re.compile(r"[сцз]ьк")
# Romanizations of Russian (BGN/PCGN and older), never KMU 2010 output: -ovka/-evka for
# -івка, -oye/-aya/-iy/-yy adjective endings, -ye, apostrophes for soft signs.
_RUSSIAN_ROMANIZATION = re.compile(r"(ovka|evka|oye|aya|iy|yy|ye)\b|['’]", re.IGNORECASE)


def script_of(name: str) -> str | None:
    """``"latin"``, ``"cyrillic"`` or None (other scripts, mixed scripts, junk)."""
    if len(name) < 2 or _JUNK.search(name):
        return None
    if _LATIN.fullmatch(name):
        if name.isupper() and len(name) <= 4:  # IATA/ICAO codes
            return None
        if name == name.lower():  # GeoNames' automatic transliterations
            return None
        return "latin"
    if _CYRILLIC.fullmatch(name) and re.search(r"[\u0400-\u04ff]", name):
        return "cyrillic"
    return None


def pick_name_uk(primary: str, cyrillic: list[str]) -> str | None:
    """The Ukrainian name among the Cyrillic names (rule in the module docstring)."""
    candidates = [c for c in cyrillic if {x for x in c.lower() if x.isalpha()} <= _UKRAINIAN_ALPHABET]
    if not candidates:
        return None
    markers = {c: _ukrainian_markers(c) for c in candidates}
    if not _RUSSIAN_ROMANIZATION.search(primary):
        key = fold_name(primary)
        same = [c for c in candidates if fold_name(romanize_ukrainian(c)) == key]
        if same:
            return max(same, key=lambda c: markers[c])
    target = name_skeleton(primary)
    return max(candidates, key=lambda c: fuzz.ratio(name_skeleton(c), target) + markers[c])


def _ukrainian_markers(name: str) -> int:
    low = name.lower()
    return 15 * bool(set(low) & _UKRAINIAN_ONLY) + 5 * bool(_APOSTROPHE_IOTATED.search(low)) + 5 * bool(_SOFT_SK.search(low))


def clean(field: str) -> str:
    """A name in Unicode NFC, without tabs or newlines (the reader relies on both)."""
    return unicodedata.normalize("NFC", field.replace("\t", " ").replace("\n", " ").strip())


def main() -> int:
    if not SRC.exists():
        print(f"missing {SRC}", file=sys.stderr)
        return 1
    places: list[list[str]] = []
    adm1_names: dict[str, list[str]] = {}
    adm2_rows: set[tuple[str, str]] = set()
    with gzip.open(SRC, "rt", encoding="utf-8") as fh:
        for line in fh:
            f = line.rstrip("\n").split("\t")
            fclass, fcode, a1, a2 = f[6], f[7], f[10], f[11]
            alternates = [clean(a) for a in f[3].split(",") if clean(a)]
            if fclass == "A" and fcode == "ADM1":
                adm1_names[a1] = [clean(f[1]), clean(f[2]), *alternates]
            elif fclass == "A" and fcode == "ADM2":
                adm2_rows.add((a1, a2))
            if fclass != "P":
                continue
            primary = clean(f[1])
            if not _LATIN.fullmatch(primary):  # a few are Cyrillic or mixed: "Antonіvka"
                alternates.append(primary)
                primary = clean(f[2])
            latin, cyrillic = [], []
            for name in alternates:
                script = script_of(name)
                if script == "latin":
                    latin.append(name)
                elif script == "cyrillic":
                    cyrillic.append(name)
            name_uk = pick_name_uk(primary, cyrillic)
            name_en = english_name(primary, name_uk, latin)
            seen = {fold_name(n) for n in (primary, name_en, name_uk) if n}
            kept = []
            for name in latin + cyrillic:
                key = fold_name(name)
                if key and key not in seen:
                    seen.add(key)
                    kept.append(name)
            places.append([
                f[0], primary, name_en, name_uk or "", ",".join(kept), f[4], f[5], fcode,
                a1, a2, str(int(f[14] or 0)),
            ])  # fmt: skip

    missing = adm2_rows - set(RAIONS)
    extra = set(RAIONS) - adm2_rows - CITY_DISTRICTS_WITHOUT_ROW
    if missing or extra or set(adm1_names) != set(OBLASTS):
        print(f"admin tables out of date: raions missing {sorted(missing)}, unknown "
              f"{sorted(extra)}; oblasts {sorted(set(adm1_names) ^ set(OBLASTS))}",
              file=sys.stderr)  # fmt: skip
        return 1

    lines = [f"#{FORMAT}\tsource=GeoNames geonames-UA.txt (CC BY 4.0, credit GeoNames)"]
    lines.append("#places\tgeonameid\tname\tname_en\tname_uk\talternates\tlat\tlon"
                 "\tfeature_code\tadmin1\tadmin2\tpopulation")  # fmt: skip
    lines += ["\t".join(row) for row in sorted(places, key=lambda r: int(r[0]))]
    lines.append("#admin1\tcode\tname\tname_uk\taliases")
    for code, (name, uk) in sorted(OBLASTS.items()):
        aliases: list[str] = []
        for alias in [
            f"{name} Oblast", romanize_ukrainian(uk), *EXTRA_ALIASES.get(code, []),
            *adm1_names[code],
        ]:  # fmt: skip
            if script_of(alias) and alias not in aliases and "," not in alias:
                aliases.append(alias)
        lines.append("\t".join([code, name, uk, ",".join(aliases)]))
    lines.append("#admin2\tadmin1\tadmin2\tname")
    lines += [f"{a1}\t{a2}\t{name}" for (a1, a2), name in sorted(RAIONS.items())]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    OUT.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    print(f"{OUT}: {len(places)} places, {OUT.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
