"""The PDQ index is exact: its results equal a brute-force scan within distance 31, on both layouts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.ledger.helpers import make_records
from unmask.ledger import Ledger, Record
from unmask.ledger import index as index_module
from unmask.ledger.index import NARROW, WIDE, Layout, PdqIndex, brute_force, parse_hex
from unmask.ledger.matcher import Matcher


def to_hex(codes: np.ndarray) -> list[str]:
    return [row.astype(">u8").tobytes().hex() for row in codes]


def flipped(codes: np.ndarray, bits: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each row with ``bits[i]`` distinct random bits flipped."""
    out = codes.copy()
    for row, k in zip(out, bits, strict=True):
        for b in rng.choice(256, int(k), replace=False):
            row[b // 64] ^= np.uint64(1) << np.uint64(b % 64)
    return out


@pytest.fixture(scope="module")
def corpus() -> tuple[np.ndarray, np.ndarray]:
    """3,000 random hashes and 1,000 near-duplicates (0-40 bits) of 50 of them; queries around those."""
    rng = np.random.default_rng(5)
    base = rng.integers(0, 2**64 - 1, size=(3000, 4), dtype=np.uint64, endpoint=True)
    copies = flipped(np.repeat(base[:50], 20, axis=0), rng.integers(0, 41, 1000), rng)
    codes = np.concatenate([base, copies])
    queries = np.concatenate([flipped(base[:60], rng.integers(0, 36, 60), rng), base[3000 - 20 :]])
    return codes, queries


@pytest.mark.parametrize("layout", [NARROW, WIDE], ids=lambda layout: layout.name)
def test_search_equals_brute_force(corpus: tuple[np.ndarray, np.ndarray], layout: Layout) -> None:
    codes, queries = corpus
    index = PdqIndex.build(range(len(codes)), to_hex(codes), layout)
    results = index.search_codes(queries, 31, limit=10**6)
    matched = 0
    for query, hits in zip(queries, results, strict=True):
        assert {i for i, _ in hits} == brute_force(codes, query, 31)
        assert [d for _, d in hits] == sorted(d for _, d in hits)
        matched += len(hits)
    assert matched > 300  # the near-duplicate clusters really were exercised
    tight = index.search_codes(queries, 10, limit=10**6)
    assert all({i for i, _ in h} == brute_force(codes, q, 10) for q, h in zip(queries, tight, strict=True))


def test_incremental_adds_are_searchable_before_and_after_a_merge(
    corpus: tuple[np.ndarray, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_module, "_MIN_DELTA", 100)
    codes, queries = corpus
    hexes = to_hex(codes)
    index = PdqIndex.build(range(500), hexes[:500])
    index.add(500, hexes[500])
    assert index.search(hexes[500], 0) == [(500, 0)]
    for start in range(501, len(codes), 250):  # crosses the merge threshold several times
        index.add_many(list(range(start, min(start + 250, len(codes)))), hexes[start : start + 250])
    assert len(index) == len(codes)
    for query in queries[:30]:
        hits = index.search_codes(query[None], 31, limit=10**6)[0]
        assert {i for i, _ in hits} == brute_force(codes, query, 31)


def test_search_results_and_arguments() -> None:
    a, b = "0" * 64, "f" + "0" * 63
    index = PdqIndex.build([7, 9], [a, b])
    assert index.search(a.upper()) == [(7, 0), (9, 4)]
    assert index.search(a, limit=1) == [(7, 0)]
    assert index.search(a, max_distance=3) == [(7, 0)]
    with pytest.raises(ValueError):
        index.search(a, max_distance=32)
    with pytest.raises(ValueError):
        parse_hex(["abc"])


def test_matcher_indexes_the_ledger_and_later_appends(tmp_path: Path) -> None:
    location, key = str(tmp_path / "ledger.db"), tmp_path / "ledger.key"
    with Ledger.open(location, key_path=key) as ledger:
        records = make_records(40)  # odd ones carry a PDQ hash
        ledger.append(records)
        matcher = Matcher(ledger)
        assert len(matcher.index) == 20
        best = matcher.match_hash(records[3].pdq or "")[0]
        assert (best.entry.index, best.distance) == (3, 0)
        near = "ff" + (records[5].pdq or "")[2:]
        with Ledger.open(location, key_path=key) as other_writer:  # another process appending
            other_writer.append([Record(sha256="ab" * 32, media_type="image/png", registrant="x", pdq=near)])
        hits = matcher.match_hash(near, 31)
        assert [(m.entry.index, m.distance) for m in hits][:2] == [(40, 0), (5, hamming_of(records[5].pdq, near))]
        [entry] = matcher.append([Record(sha256="cd" * 32, media_type="image/png", registrant="y", pdq="0" * 64)])
        assert matcher.match_hash("0" * 64, 0)[0].entry == entry


def hamming_of(a: str | None, b: str) -> int:
    return (int(a or "", 16) ^ int(b, 16)).bit_count()
