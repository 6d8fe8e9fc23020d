"""Move a store from the file to PostGIS: ``python tools/copy_to_postgis.py STORE.gpkg URL``.

Copies every file record, snapshot (ids kept), layer and cached result into the empty
PostGIS store at URL (created if needed), in one transaction; see docs/scale.md.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from frontwatch.store import SQLiteStore  # noqa: E402
from frontwatch.store.postgis import PostGISStore  # noqa: E402
from frontwatch.store.transfer import copy_to_postgis  # noqa: E402


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__.splitlines()[0])
    src, dst = SQLiteStore(sys.argv[1]), PostGISStore(sys.argv[2])
    t = time.perf_counter()
    counts = copy_to_postgis(src, dst, progress=lambda d, n: print(f"\r{d}/{n} layers", end="", file=sys.stderr))
    print(f"\ncopied {counts} into {dst.path} in {time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()
