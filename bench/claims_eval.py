"""Score claim extraction and verdicts on the labelled corpus (tests/data/claims).

    python bench/claims_eval.py                       # extraction only
    python bench/claims_eval.py --db full.gpkg        # and verdicts against a full store
    python bench/claims_eval.py --db full.gpkg --misses   # list what was wrong
    python bench/claims_eval.py --json > score.json

A missed claim counts every one of its fields and verdicts wrong. The score of the
extractor before claims v2 is in bench/README.md (run from commit 33b5111 with this script).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from frontwatch.claims.evaluate import FIELDS, evaluate, load_corpus  # noqa: E402

SOURCES = ("deepstate", "liveuamap-nzz", "isw")


def _pct(x) -> str:
    return "   -  " if x is None else f"{100 * x:5.1f}%"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=str(ROOT / "tests" / "data" / "claims"))
    ap.add_argument("--db", default=os.environ.get("FRONTWATCH_DB"), help="a store with the full data")
    ap.add_argument("--sources", default=",".join(SOURCES))
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--misses", action="store_true", help="list every wrong field and verdict")
    args = ap.parse_args(argv)

    corpus = load_corpus(args.corpus)
    store, sources = None, ()
    if args.db:
        from frontwatch.store import open_store

        store = open_store(args.db, create=False)
        have = set(store.source_names())
        sources = tuple(s for s in args.sources.split(",") if s in have)
    t0 = time.perf_counter()
    score = evaluate(corpus, store=store, sources=sources,
                     progress=None if args.json else lambda n: print(f"  {n}", file=sys.stderr))  # fmt: skip
    seconds = time.perf_counter() - t0
    out = score.as_dict()
    out["seconds"] = round(seconds, 2)
    out["texts"] = len(corpus)
    if args.json:
        sys.stdout.buffer.write(orjson.dumps(out, option=orjson.OPT_INDENT_2) + b"\n")
        return 0
    n = out["labels"]
    print(
        f"corpus: {len(corpus)} texts, {n} labelled claims; {out['extracted']} measurable claims extracted; {seconds:.1f} s"
    )
    print(f"claims: recall {_pct(out['claim_recall'])}  precision {_pct(out['claim_precision'])}")
    print()
    print("| field        | precision |  recall |   right |")
    print("|--------------|-----------|---------|---------|")
    for f in FIELDS:
        d = out["fields"][f]
        print(f"| {f:<12} |   {_pct(d['precision'])}  | {_pct(d['recall'])}  | {_pct(d['right'])}  |")
    print(f"| **all**      |           |         | {_pct(out['fields_right'])}  |")
    if out["verdicts"]:
        print()
        print(
            f"verdicts: {_pct(out['verdict_accuracy'])} right of {out['verdicts']}  ("
            + ", ".join(f"{s} {_pct(a).strip()}" for s, a in out["verdict_accuracy_by_source"].items())
            + ")"
        )
    else:
        print("\nverdicts: not scored (give --db with a store of the full data)")
    if args.misses:
        print()
        for m in out["misses"]:
            print(f"- {m['text']}: {m['quote']!r}" + ("" if m["matched"] else "  [NOT EXTRACTED]"))
            for f, d in m["fields"].items():
                print(f"    {f}: expected {d['expected']!r}, got {d['got']!r}")
            for s, d in m["verdicts"].items():
                print(f"    verdict {s}: expected {d['expected']}, got {d['got']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
