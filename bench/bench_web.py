"""Bounded loopback load test of ``frontwatch serve``: N concurrent area and change requests.

Starts the server on 127.0.0.1 (a free port) on a store (``--db``; default: a store of the
bundled sample made in a temporary folder), waits until it answers, warms it up with one
request of each kind, then sends ``--requests`` requests (half /api/area, half /api/change
over windows of 1-14 days), all at once, and prints p50/p99 latency, the throughput and the
status codes. Every request goes to loopback; the run stops by itself (``--timeout``).

    .venv/bin/python bench/bench_web.py --requests 200
    .venv/bin/python bench/bench_web.py --db /path/to/full.gpkg --source deepstate
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2 as httpx

ROOT = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).with_name("frontwatch")


def sample_store(folder: Path) -> Path:
    db = folder / "sample.gpkg"
    for src in ("liveuamap-nzz", "deepstate"):
        subprocess.run([EXE, "--db", db, "ingest", src, ROOT / "samples" / src, "--workers", "1"], check=True,
                       capture_output=True)  # fmt: skip
    return db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def urls(source: str, first: dt.date, last: dt.date, n: int, rng: random.Random) -> list[str]:
    span = (last - first).days
    out = []
    for i in range(n):
        end = first + dt.timedelta(days=rng.randint(14, span))
        if i % 2:
            out.append(f"/api/area?source={source}&on={end}")
        else:
            out.append(f"/api/change?source={source}&from={end - dt.timedelta(days=rng.randint(1, 14))}&to={end}")
    return out


async def fire(base: str, paths: list[str], timeout: float) -> list[tuple[str, int, float]]:
    limits = httpx.Limits(max_connections=len(paths), max_keepalive_connections=len(paths))
    async with httpx.AsyncClient(base_url=base, timeout=timeout, limits=limits) as client:

        async def one(path: str):
            t = time.perf_counter()
            r = await client.get(path)
            return path, r.status_code, time.perf_counter() - t

        return await asyncio.gather(*(one(p) for p in paths))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=None)
    ap.add_argument("--source", default="deepstate")
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--timeout", type=float, default=120.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or sample_store(Path(tmp))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        srv = subprocess.Popen([EXE, "--db", db, "serve", "--port", str(port), "--threads", str(args.threads),
                                "--timeout-s", str(args.timeout)], stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    info = httpx.get(f"{base}/api/snapshots?source={args.source}", timeout=30).json()
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or srv.poll() is not None:
                        raise SystemExit("the server did not start") from None
                    time.sleep(0.2)
            first, last = (dt.date.fromisoformat(info[k]) for k in ("first_date", "last_date"))
            paths = urls(args.source, first, last, args.requests, random.Random(20220908))
            asyncio.run(fire(base, paths[:2], args.timeout))  # warm: the first requests open the stores
            t0 = time.perf_counter()
            results = asyncio.run(asyncio.wait_for(fire(base, paths, args.timeout), args.timeout))
            wall = time.perf_counter() - t0
        finally:
            srv.terminate()
            srv.wait(timeout=20)
    codes: dict[int, int] = {}
    for _, code, _ in results:
        codes[code] = codes.get(code, 0) + 1
    for kind in ("area", "change"):
        lat = sorted(s for p, _, s in results if p.startswith(f"/api/{kind}?"))
        q = statistics.quantiles(lat, n=100)
        print(f"{kind:6} n={len(lat):4}  p50 {q[49] * 1e3:7.0f} ms  p99 {q[98] * 1e3:7.0f} ms  max {lat[-1] * 1e3:7.0f} ms")
    print(f"all    {len(results)} requests at once in {wall:.2f} s ({len(results) / wall:.0f}/s), "
          f"threads {args.threads}, status {codes}")  # fmt: skip
    return 0 if set(codes) == {200} else 1


if __name__ == "__main__":
    sys.exit(main())
