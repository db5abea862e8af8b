"""Ledger speed: durable batched appends (SQLite, and PostgreSQL when its binaries are installed), and
proof generation / verification on a 1M-entry log.

    .venv/bin/python bench/ledger_speed.py [--entries 1000000] [--batches 20] [--batch-size 1000]

Appends go through ``Ledger.append`` exactly as in production: one transaction per batch with a
signed checkpoint, SQLite in WAL mode with ``synchronous=FULL`` (an fsync per commit), PostgreSQL with
``synchronous_commit=on`` on a throwaway cluster with fsync on.

The 1M-entry log is built by a bulk path (``bulk_load``): leaves rendered from a template (checked
equal to ``canonical_leaf``), hashed, folded through a compact range that yields the node cache, and
written with plain executemany in 100k-row transactions on SQLite with ``synchronous=OFF``, then a
single signed checkpoint. The resulting database is exactly what ``append`` would have written.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import tempfile
import time
from pathlib import Path

from unmask.ledger import Ledger, Record, merkle
from unmask.ledger.checkpoint import Checkpoint, sign_checkpoint
from unmask.ledger.pgtemp import TempCluster, find_bindir
from unmask.ledger.records import canonical_leaf, utc_timestamp
from unmask.ledger.store import CheckpointRow

TEMPLATE = (
    '{{"c2pa_manifest_hash":null,"media_type":"image/jpeg","pdq":null,"registered_at":"{ts}",'
    '"registrant":"bench","sha256":"{sha}","watermark_id":null}}'
)


def records(n: int, tag: str) -> list[Record]:
    return [
        Record(sha256=hashlib.sha256(f"{tag}/{i}".encode()).hexdigest(), media_type="image/jpeg", registrant="bench")
        for i in range(n)
    ]


def append_rate(location: str, key: Path, batches: int, batch_size: int) -> float:
    """Entries per second through Ledger.append, durable commits, after one warm-up batch."""
    with Ledger.open(location, key_path=key) as ledger:
        ledger.append(records(batch_size, "warm"))
        work = [records(batch_size, f"b{b}") for b in range(batches)]
        start = time.perf_counter()
        for batch in work:
            ledger.append(batch)
        elapsed = time.perf_counter() - start
        assert ledger.size() == (batches + 1) * batch_size
    return batches * batch_size / elapsed


def bulk_load(ledger: Ledger, n: int, chunk: int = 100_000) -> None:
    """Write n entries, their node cache and one signed checkpoint, as append would, but in bulk."""
    ts = utc_timestamp()
    sample = Record(sha256="0" * 64, media_type="image/jpeg", registrant="bench")
    assert TEMPLATE.format(ts=ts, sha="0" * 64).encode() == canonical_leaf(sample, ts)
    frontier = merkle.CompactRange()
    for start in range(0, n, chunk):
        rows, completed = [], []
        for i in range(start, min(start + chunk, n)):
            sha = hashlib.sha256(i.to_bytes(8, "big")).hexdigest()
            leaf = TEMPLATE.format(ts=ts, sha=sha).encode()
            h = merkle.leaf_hash(leaf)
            completed += frontier.append(h)
            rows.append(
                {"idx": i, "leaf_hash": h, "sha256": sha, "pdq": None, "c2pa_manifest_hash": None}
                | {"watermark_id": None, "media_type": "image/jpeg", "registrant": "bench"}
                | {"registered_at": ts, "leaf": leaf}
            )
        with ledger.store.writing() as tx:
            tx.insert_entries(rows)
            tx.insert_nodes(completed)
            tx.set_head(frontier.size)
    checkpoint = Checkpoint(ledger.origin, n, frontier.root())
    with ledger.store.writing() as tx:
        tx.insert_checkpoint(CheckpointRow(n, checkpoint.root, sign_checkpoint(checkpoint, ledger.signer), ts))
        tx.analyze()


def proof_times(ledger: Ledger, samples: int) -> None:
    size = ledger.size()
    root = ledger.checkpoint().root
    rng = random.Random(5)
    gen, ver, lengths = [], [], []
    for index in (rng.randrange(size) for _ in range(samples)):
        t0 = time.perf_counter()
        proof = ledger.inclusion_proof(index)
        t1 = time.perf_counter()
        ok = proof.verify(root)
        t2 = time.perf_counter()
        assert ok
        gen.append(t1 - t0)
        ver.append(t2 - t1)
        lengths.append(len(proof.hashes))
    print(f"inclusion proof, {size:,}-entry log ({samples} random leaves):")
    print(f"  generate  median {statistics.median(gen) * 1e3:.3f} ms   p95 {_p95(gen) * 1e3:.3f} ms")
    print(f"  verify    median {statistics.median(ver) * 1e6:.1f} µs   p95 {_p95(ver) * 1e6:.1f} µs")
    print(f"  length    {min(lengths)}-{max(lengths)} hashes (log2 n = {size.bit_length() - 1})")
    cons = []
    for size1 in (rng.randrange(1, size) for _ in range(samples // 4)):
        t0 = time.perf_counter()
        cproof = ledger.consistency_proof(size1)
        cons.append(time.perf_counter() - t0)
        assert cproof.verify(ledger.root(size1), root)
    print(f"consistency proof: generate median {statistics.median(cons) * 1e3:.3f} ms, {len(cproof.hashes)} hashes")


def _p95(values: list[float]) -> float:
    return sorted(values)[int(0.95 * (len(values) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=1000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="unmask-ledger-bench-"))
    key = work / "ledger.key"

    rate = append_rate(str(work / "append.db"), key, args.batches, args.batch_size)
    print(f"SQLite append (WAL, synchronous=FULL), batches of {args.batch_size:,}: {rate:,.0f} entries/s")
    bindir = find_bindir()
    if bindir is None:
        print("PostgreSQL append: skipped (no initdb/pg_ctl found)")
    else:
        cluster = TempCluster(bindir, durable=True).start()
        try:
            rate = append_rate(cluster.url, key, args.batches, args.batch_size)
            print(f"PostgreSQL append (synchronous_commit=on), batches of {args.batch_size:,}: {rate:,.0f} entries/s")
        finally:
            cluster.stop()

    with Ledger.open(work / "big.db", key_path=key, synchronous="OFF") as ledger:
        t0 = time.perf_counter()
        bulk_load(ledger, args.entries)
        print(f"bulk load of {args.entries:,} entries + node cache: {time.perf_counter() - t0:.1f} s")
    with Ledger.open(work / "big.db", key_path=key) as ledger:
        proof_times(ledger, args.samples)
    print(f"(databases left in {work})")


if __name__ == "__main__":
    main()
