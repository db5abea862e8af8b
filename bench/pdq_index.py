"""PDQ index benchmark: build time, memory, lookups/s and recall against brute force, with a 10M estimate.

    .venv/bin/python bench/pdq_index.py [--n 1000000] [--queries 1000] [--no-faiss]

The corpus is ``n`` hashes: 90% uniform random, 10% clusters (copies of 1,000 bases with 0-40 bits
flipped), so recall is measured where near-duplicates really exist. Queries are half near-duplicates
of cluster bases (0-40 flipped bits) and half random. Ground truth is an exact numpy scan. Lookups/s
is measured at n and at n/4 with the same layout, and the per-query cost (a + b*n) fitted to both is
extrapolated to 10M. faiss (if installed) is timed on the same data for comparison.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from unmask.ledger.index import WIDE, Layout, PdqIndex, brute_force, parse_hex


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        line = next(x for x in status if x.startswith("VmRSS:"))
    return int(line.split()[1]) * 1024


def flip(codes: np.ndarray, counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each row with ``counts[i]`` distinct random bits flipped (vectorised)."""
    bits = np.argsort(rng.random((len(codes), 256)), axis=1) < counts[:, None]
    masks = np.packbits(bits, axis=1).view(">u8").astype(np.uint64)
    return codes ^ masks


def corpus(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    random_part = rng.integers(0, 2**64 - 1, size=(n - n // 10, 4), dtype=np.uint64, endpoint=True)
    bases = rng.integers(0, 2**64 - 1, size=(1000, 4), dtype=np.uint64, endpoint=True)
    copies = flip(np.repeat(bases, n // 10 // 1000 + 1, axis=0)[: n // 10], rng.integers(0, 41, n // 10), rng)
    return np.concatenate([random_part, copies]), bases


def queries_for(bases: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    near = flip(bases[rng.integers(0, len(bases), count // 2)], rng.integers(0, 41, count // 2), rng)
    return np.concatenate([near, rng.integers(0, 2**64 - 1, size=(count - count // 2, 4), dtype=np.uint64)])


def lookups_per_second(index: PdqIndex, queries: np.ndarray, batch: int) -> float:
    index.search_codes(queries[:100], 31, 10)  # warm up: fault the tables' pages in first
    start = time.perf_counter()
    for i in range(0, len(queries), batch):
        index.search_codes(queries[i : i + batch], 31, 10)
    return len(queries) / (time.perf_counter() - start)


def recall(index: PdqIndex, codes: np.ndarray, queries: np.ndarray) -> tuple[float, int, int]:
    """(recall, queries whose result set equals brute force, true matches) over ``queries``."""
    found = index.search_codes(queries, 31, limit=10**9)
    hits = total = equal = 0
    for query, result in zip(queries, found, strict=True):
        truth = brute_force(codes, query, 31)
        got = {i for i, _ in result}
        hits, total, equal = hits + len(truth & got), total + len(truth), equal + (truth == got)
    return (hits / total if total else 1.0), equal, total


def measure(codes: np.ndarray, queries: np.ndarray, layout: Layout) -> dict[str, float]:
    before = rss_bytes()
    start = time.perf_counter()
    index = PdqIndex(layout)
    index._rebuild(np.arange(len(codes), dtype=np.uint32), codes)
    build = time.perf_counter() - start
    return {
        "build_s": build,
        "rss_mb": (rss_bytes() - before) / 1e6,
        "arrays_mb": index.nbytes() / 1e6,
        "single_qps": lookups_per_second(index, queries, 1),
        "batch_qps": lookups_per_second(index, queries, 100),
        "index": index,  # type: ignore[dict-item]
    }


def faiss_compare(codes: np.ndarray, queries: np.ndarray) -> None:
    try:
        import faiss
    except ImportError:
        print("faiss: not installed, skipped")
        return
    data, q = codes.astype(">u8").view(np.uint8), queries[:100].astype(">u8").view(np.uint8)
    flat = faiss.IndexBinaryFlat(256)
    start = time.perf_counter()
    flat.add(data)
    added = time.perf_counter() - start
    start = time.perf_counter()
    flat.range_search(q, 32)
    per_query = (time.perf_counter() - start) / len(q)
    print(f"faiss IndexBinaryFlat: add {added:.2f} s, range_search r<32 {1 / per_query:,.0f} lookups/s (exact)")
    multi = faiss.IndexBinaryMultiHash(256, 8, 32)
    multi.nflip = 3  # 8 chunks x (3 + 1) = 32: exact at <= 31, as in unmask's own MIH
    start = time.perf_counter()
    multi.add(data)
    added = time.perf_counter() - start
    start = time.perf_counter()
    multi.range_search(q, 32)
    per_query = (time.perf_counter() - start) / len(q)
    print(f"faiss IndexBinaryMultiHash(8x32, nflip 3): add {added:.2f} s, {1 / per_query:,.0f} lookups/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--recall-queries", type=int, default=200)
    parser.add_argument("--no-faiss", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    codes, bases = corpus(args.n, rng)
    queries = queries_for(bases, args.queries, rng)
    hexes = [row.tobytes().hex() for row in codes.astype(">u8")]
    start = time.perf_counter()
    PdqIndex.build(range(len(hexes)), hexes)
    print(f"start-up path (parse {args.n:,} hex strings + build, auto layout): {time.perf_counter() - start:.1f} s")
    assert (parse_hex(hexes[:10]) == codes[:10]).all()
    del hexes

    small = measure(codes[: args.n // 4], queries, WIDE)
    del small["index"]
    full = measure(codes, queries, WIDE)
    index = full.pop("index")
    rec, equal, total = recall(index, codes, queries[: args.recall_queries])  # type: ignore[arg-type]
    print(f"layout {WIDE.name}, n = {args.n:,}:")
    print(f"  build {full['build_s']:.1f} s, RSS delta {full['rss_mb']:.0f} MB (arrays {full['arrays_mb']:.0f} MB)")
    print(f"  lookups/s: {full['single_qps']:,.0f} one at a time, {full['batch_qps']:,.0f} in batches of 100")
    print(
        f"  recall vs brute force at <= 31: {rec:.4f} ({equal}/{args.recall_queries} identical sets, {total} matches)"
    )
    print(f"  n/4: {small['single_qps']:,.0f} one at a time, {small['batch_qps']:,.0f} batched")

    target = 10_000_000
    for label in ("single_qps", "batch_qps"):  # per-query time = a + b * n, fitted on n/4 and n
        t_small, t_full = 1 / small[label], 1 / full[label]
        slope = max(0.0, (t_full - t_small) / (args.n - args.n // 4))  # noise can make it negative
        estimate = 1 / max(t_full + slope * (target - args.n), 1e-9)
        print(f"  10M estimate ({label}, one core): {estimate:,.0f} lookups/s")
    per_entry = 32 + 4 * len(WIDE.chunks) + 4  # code + one slot per chunk + entry id
    print(f"  10M memory estimate: {(target * per_entry + 4 * WIDE.table_size) / 1e6:,.0f} MB")
    if not args.no_faiss:
        faiss_compare(codes, queries)


if __name__ == "__main__":
    main()
