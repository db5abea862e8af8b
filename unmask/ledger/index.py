"""Near-duplicate search over PDQ hashes: exact multi-index hashing (MIH) in numpy.

Why MIH and why these chunks. PDQ hashes are 256 bits and two pictures are "the same" at Hamming
distance <= 31. Split the 256 bits into m disjoint chunks and give chunk i a search radius r_i. If a
stored hash is within 31 of the query, then some chunk i differs in at most r_i bits whenever
``sum(r_i + 1) >= 32``: were every chunk at distance >= r_i + 1, the total would be >= 32 (pigeonhole).
So probing, in every chunk's table, all values within r_i of the query's chunk finds every true match,
and checking each candidate's full 256-bit distance removes the false ones: the search is *exact*
(recall 1.0 against brute force; tests/ledger/test_index.py checks set equality).

The cost of a query is the probes (sum of C(w_i, <= r_i)) plus the candidates (probes x n / 2^w_i on
uniform hashes), so the chunk width should grow with n (classic MIH: w ~ log2 n). Two layouts:

* ``16x16``: 16 chunks of 16 bits, r = 1 each (16 x 2 = 32). 272 probes, ~n/241 candidates; the
  direct-address tables cost 4 MB. Used below :data:`WIDE_FROM` entries.
* ``12x21``: each 64-bit word split 21 + 21 + 22; the eight 21-bit chunks at r = 2 and the four 22-bit
  ones at r = 1 (8 x 3 + 4 x 2 = 32). 1,948 probes, ~n/1,100 candidates; the tables cost 128 MB, which
  only pays off for large logs.

Faiss was measured as the alternative (``bench/pdq_index.py``): ``IndexBinaryFlat`` is exact but scans
every code per query (ms per query at 1M); ``IndexBinaryMultiHash`` is the same idea in C++ but probes
through hash maps and returns faiss-internal ids, and faiss is a 68 MB dependency.

Every table is a CSR layout: ``offsets`` (direct-addressed by ``table base + chunk value``) into
``slots`` (positions of stored hashes, grouped by chunk value). Appends go to a small brute-force
*delta* buffer that is merged (rebuilt) into the tables once it outgrows ``max(8,192, n / 32)``, so an
append is O(1) and a query's delta scan stays a small fraction of its cost.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np

PDQ_HEX_DIGITS = 64
MIH_RADIUS = 31
"""The largest ``max_distance`` the chunk radii guarantee exact results for (PDQ_MATCH_DISTANCE)."""
WIDE_FROM = 1 << 19
"""Logs with at least this many PDQ hashes use the 12x21 layout (fewer candidates, bigger tables)."""
_MIN_DELTA = 8192

Codes = np.ndarray  # (n, 4) uint64: one PDQ hash as four big-endian 64-bit words


@dataclass(frozen=True)
class Chunk:
    """Bits ``[shift, shift + width)`` of 64-bit ``word``, probed at Hamming radius ``radius``."""

    word: int
    shift: int
    width: int
    radius: int


@dataclass(frozen=True)
class Layout:
    name: str
    chunks: tuple[Chunk, ...]

    def __post_init__(self) -> None:
        if sum(c.radius + 1 for c in self.chunks) <= MIH_RADIUS:
            raise ValueError(f"layout {self.name} cannot guarantee exact search up to {MIH_RADIUS}")

    @property
    def table_size(self) -> int:
        return sum(1 << c.width for c in self.chunks)


NARROW = Layout("16x16", tuple(Chunk(w, s, 16, 1) for w in range(4) for s in (0, 16, 32, 48)))
WIDE = Layout(
    "12x21",
    tuple(Chunk(w, s, width, 2 if width == 21 else 1) for w in range(4) for s, width in ((0, 21), (21, 21), (42, 22))),
)


def layout_for(n: int) -> Layout:
    return WIDE if n >= WIDE_FROM else NARROW


def parse_hex(hexes: Sequence[str]) -> Codes:
    """64-hex-digit PDQ hashes as an (n, 4) uint64 array (raises ValueError on a malformed one)."""
    if any(len(h) != PDQ_HEX_DIGITS for h in hexes):
        raise ValueError("a PDQ hash must be 64 hex digits")
    raw = bytes.fromhex("".join(hexes))
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64).reshape(-1, 4)


def distances(codes: Codes, query: Codes) -> np.ndarray:
    """Hamming distance of each row of ``codes`` to one (4,) query code."""
    return np.bitwise_count(codes ^ query).sum(axis=1, dtype=np.int64)


def brute_force(codes: Codes, query: Codes, max_distance: int) -> set[int]:
    """Positions within ``max_distance`` by scanning everything: the reference the index must equal."""
    return {int(i) for i in np.flatnonzero(distances(codes, query) <= max_distance)}


def _masks(width: int, radius: int) -> np.ndarray:
    """Every ``width``-bit XOR mask with at most ``radius`` bits set."""
    out = [0]
    for k in range(1, radius + 1):
        out += [sum(1 << b for b in bits) for bits in combinations(range(width), k)]
    return np.array(out, dtype=np.int64)


class _Tables:
    """The immutable CSR tables over ``codes``; rebuilt, never edited, so readers need no lock."""

    def __init__(self, layout: Layout, codes: Codes) -> None:
        self.layout = layout
        self.codes = codes
        n = len(codes)
        bases = np.cumsum([0] + [1 << c.width for c in layout.chunks])
        self.bases = bases[:-1]
        position_type = np.uint32 if n * len(layout.chunks) < 2**32 else np.int64
        self.offsets = np.zeros(layout.table_size + 1, dtype=position_type)
        slots, filled = [], 0
        for chunk, base in zip(layout.chunks, self.bases, strict=True):
            values = self.chunk_values(codes, chunk)
            ends = np.cumsum(np.bincount(values, minlength=1 << chunk.width)) + filled
            self.offsets[base + 1 : base + 1 + (1 << chunk.width)] = ends
            slots.append(np.argsort(values).astype(np.uint32))  # order within a bucket is irrelevant
            filled += n
        self.slots = np.concatenate(slots) if slots else np.zeros(0, np.uint32)
        self.probe_chunk, self.probe_masks = self._probe_plan()
        self.words = np.array([c.word for c in layout.chunks])
        self.shifts = np.array([c.shift for c in layout.chunks], dtype=np.uint64)
        self.value_masks = np.array([(1 << c.width) - 1 for c in layout.chunks], dtype=np.uint64)

    @staticmethod
    def chunk_values(codes: Codes, chunk: Chunk) -> np.ndarray:
        mask = np.uint64((1 << chunk.width) - 1)
        return ((codes[..., chunk.word] >> np.uint64(chunk.shift)) & mask).astype(np.int64)

    def _probe_plan(self) -> tuple[np.ndarray, np.ndarray]:
        """For each probe: which chunk, and the XOR mask applied to the query's value."""
        masks = [_masks(c.width, c.radius) for c in self.layout.chunks]
        chunk_of = np.concatenate([np.full(len(m), i) for i, m in enumerate(masks)])
        return chunk_of, np.concatenate(masks)

    def nbytes(self) -> int:
        return int(self.codes.nbytes + self.offsets.nbytes + self.slots.nbytes)

    def candidates(self, queries: Codes) -> tuple[np.ndarray, np.ndarray]:
        """(query row, stored position) pairs sharing a probed chunk value; duplicates possible."""
        values = ((queries[:, self.words] >> self.shifts) & self.value_masks).astype(np.int64)  # (q, m)
        keys = (values[:, self.probe_chunk] ^ self.probe_masks) + self.bases[self.probe_chunk]
        starts = self.offsets[keys].astype(np.int64).ravel()
        lengths = self.offsets[keys + 1].astype(np.int64).ravel() - starts
        total = int(lengths.sum())
        ends = np.cumsum(lengths)
        positions = np.repeat(starts - (ends - lengths), lengths) + np.arange(total)
        rows = np.repeat(np.repeat(np.arange(len(queries)), keys.shape[1]), lengths)
        return rows, self.slots[positions].astype(np.int64)


@dataclass(frozen=True)
class _State:
    """One consistent view for readers: swapped whole on every add, never edited in place.

    Delta buffers are only ever written past ``delta_count`` and are replaced (not reused) by a
    merge, so a reader holding an old state still sees exactly what that state describes.
    """

    tables: _Tables
    ids: np.ndarray  # position in tables -> ledger entry index
    delta: Codes
    delta_ids: np.ndarray
    delta_count: int


def _empty_delta(capacity: int) -> tuple[Codes, np.ndarray]:
    return np.zeros((capacity, 4), dtype=np.uint64), np.zeros(capacity, dtype=np.uint32)


class PdqIndex:
    """Exact Hamming-radius search over ledger entries' PDQ hashes (see the module docstring).

    Writers (``add``) serialise on a lock; searches read one immutable :class:`_State` snapshot, so
    they run concurrently with appends and with merges.
    """

    def __init__(self, layout: Layout | None = None) -> None:
        self._fixed_layout = layout
        self._lock = threading.Lock()
        tables = _Tables(layout or NARROW, np.zeros((0, 4), dtype=np.uint64))
        self._state = _State(tables, np.zeros(0, dtype=np.uint32), *_empty_delta(1024), 0)

    @classmethod
    def build(cls, indices: Iterable[int], hexes: Sequence[str], layout: Layout | None = None) -> PdqIndex:
        """An index over (entry index, PDQ hex) pairs in one bulk pass (the start-up path)."""
        index = cls(layout)
        index._rebuild(np.fromiter(indices, dtype=np.uint32, count=len(hexes)), parse_hex(hexes))
        return index

    def __len__(self) -> int:
        state = self._state
        return len(state.ids) + state.delta_count

    @property
    def layout(self) -> Layout:
        return self._state.tables.layout

    def nbytes(self) -> int:
        """Memory held by the index's arrays (tables, codes, ids, delta buffer)."""
        s = self._state
        return s.tables.nbytes() + s.ids.nbytes + s.delta.nbytes + s.delta_ids.nbytes

    def add(self, index: int, pdq_hex: str) -> None:
        """Make one entry's hash searchable (O(1) amortised; merges the delta when it is full)."""
        self.add_many([index], [pdq_hex])

    def add_many(self, indices: Sequence[int], hexes: Sequence[str]) -> None:
        codes = parse_hex([h.strip().lower() for h in hexes])
        ids = np.asarray(indices, dtype=np.uint32)
        with self._lock:
            s = self._state
            count, end = s.delta_count, s.delta_count + len(codes)
            delta, delta_ids = s.delta, s.delta_ids
            if end > len(delta):
                delta, delta_ids = _empty_delta(max(2 * len(delta), end))
                delta[:count], delta_ids[:count] = s.delta[:count], s.delta_ids[:count]
            delta[count:end], delta_ids[count:end] = codes, ids
            self._state = _State(s.tables, s.ids, delta, delta_ids, end)
            if end > max(_MIN_DELTA, len(s.ids) // 32):
                self._rebuild(np.concatenate([s.ids, delta_ids[:end]]), np.concatenate([s.tables.codes, delta[:end]]))

    def _rebuild(self, ids: np.ndarray, codes: Codes) -> None:
        tables = _Tables(self._fixed_layout or layout_for(len(codes)), codes)
        self._state = _State(tables, ids, *_empty_delta(1024), 0)

    def search(self, pdq_hex: str, max_distance: int = MIH_RADIUS, limit: int = 10) -> list[tuple[int, int]]:
        """``(entry index, distance)`` of stored hashes within ``max_distance``, nearest first."""
        return self.search_codes(parse_hex([pdq_hex.strip().lower()]), max_distance, limit)[0]

    def search_codes(
        self, queries: Codes, max_distance: int = MIH_RADIUS, limit: int = 10
    ) -> list[list[tuple[int, int]]]:
        """Batched :meth:`search` over a (q, 4) uint64 array: the throughput path."""
        if not 0 <= max_distance <= MIH_RADIUS:
            raise ValueError(f"max_distance must be between 0 and {MIH_RADIUS}")
        if limit < 1:
            raise ValueError("limit must be at least 1")
        s = self._state
        found = self._search_tables(s, queries, max_distance)
        if s.delta_count:
            delta, delta_ids = s.delta[: s.delta_count], s.delta_ids[: s.delta_count]
            for row, query in enumerate(queries):
                d = distances(delta, query)
                near = d <= max_distance
                found[row] += zip(delta_ids[near].tolist(), d[near].tolist(), strict=True)
        return [sorted(hits, key=lambda hit: (hit[1], hit[0]))[:limit] for hits in found]

    @staticmethod
    def _search_tables(s: _State, queries: Codes, max_distance: int) -> list[list[tuple[int, int]]]:
        found: list[list[tuple[int, int]]] = [[] for _ in range(len(queries))]
        n = len(s.ids)
        if not n:
            return found
        rows, positions = s.tables.candidates(queries)
        dist = np.bitwise_count(s.tables.codes[positions] ^ queries[rows]).sum(axis=1, dtype=np.int64)
        keep = dist <= max_distance  # verify every candidate, then deduplicate only the few matches
        pairs, first = np.unique(rows[keep] * n + positions[keep], return_index=True)
        entries = s.ids[pairs % n].tolist()
        for row, entry, d in zip((pairs // n).tolist(), entries, dist[keep][first].tolist(), strict=True):
            found[row].append((entry, d))
        return found
