"""RFC 9162 Merkle trees: published vectors, and every small tree against a brute-force reference."""

from __future__ import annotations

import hashlib

import pytest

from unmask.ledger import merkle

# The 8-leaf tree of RFC 6962's reference tests (Go transparency-dev/merkle, certificate-transparency).
LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    bytes(range(0x60, 0x70)),
]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = {  # (index, size): audit path
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 3): ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    (1, 5): [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
}
CONSISTENCY = {  # (size1, size2): proof
    (1, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 5): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
}


# --- brute-force reference, straight from the recursive definitions of RFC 9162 §2.1 ---------------


def ref_mth(leaves: list[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + ref_mth(leaves[:k]) + ref_mth(leaves[k:])).digest()


def ref_path(m: int, leaves: list[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    if m < k:
        return [*ref_path(m, leaves[:k]), ref_mth(leaves[k:])]
    return [*ref_path(m - k, leaves[k:]), ref_mth(leaves[:k])]


def ref_subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [ref_mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*ref_subproof(m, leaves[:k], whole), ref_mth(leaves[k:])]
    return [*ref_subproof(m - k, leaves[k:], False), ref_mth(leaves[:k])]


MAX = 64
DATA = [f"leaf {i}".encode() for i in range(MAX)]


@pytest.fixture(scope="module")
def tree() -> merkle.MemoryTree:
    return merkle.MemoryTree(merkle.leaf_hash(d) for d in DATA)


def test_known_roots() -> None:
    t = merkle.MemoryTree(merkle.leaf_hash(leaf) for leaf in LEAVES)
    assert merkle.root_hash(t, 0).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    for size, expected in enumerate(ROOTS, 1):
        assert merkle.root_hash(t, size).hex() == expected
        assert ref_mth(LEAVES[:size]).hex() == expected


@pytest.mark.parametrize(("index", "size"), sorted(INCLUSION))
def test_known_inclusion_proofs(index: int, size: int) -> None:
    t = merkle.MemoryTree(merkle.leaf_hash(leaf) for leaf in LEAVES)
    proof = merkle.inclusion_proof(t, index, size)
    assert [p.hex() for p in proof] == INCLUSION[(index, size)]
    root = bytes.fromhex(ROOTS[size - 1])
    assert merkle.verify_inclusion(merkle.leaf_hash(LEAVES[index]), index, size, proof, root)


@pytest.mark.parametrize(("size1", "size2"), sorted(CONSISTENCY))
def test_known_consistency_proofs(size1: int, size2: int) -> None:
    t = merkle.MemoryTree(merkle.leaf_hash(leaf) for leaf in LEAVES)
    proof = merkle.consistency_proof(t, size1, size2)
    assert [p.hex() for p in proof] == CONSISTENCY[(size1, size2)]
    root1, root2 = bytes.fromhex(ROOTS[size1 - 1]), bytes.fromhex(ROOTS[size2 - 1])
    assert merkle.verify_consistency(size1, size2, proof, root1, root2)


def test_roots_and_compact_range_match_reference(tree: merkle.MemoryTree) -> None:
    frontier = merkle.CompactRange()
    for size in range(1, MAX + 1):
        frontier.append(merkle.leaf_hash(DATA[size - 1]))
        expected = ref_mth(DATA[:size])
        assert merkle.root_hash(tree, size) == expected
        assert frontier.root() == expected
        assert merkle.CompactRange(size, [tree.levels[lv][i] for lv, i in merkle.CompactRange.keys(size)]).root() == (
            expected
        )


def test_every_inclusion_proof_up_to_64(tree: merkle.MemoryTree) -> None:
    for size in range(1, MAX + 1):
        root = ref_mth(DATA[:size])
        for index in range(size):
            leaf = merkle.leaf_hash(DATA[index])
            proof = merkle.inclusion_proof(tree, index, size)
            assert proof == ref_path(index, DATA[:size]), (index, size)
            assert merkle.verify_inclusion(leaf, index, size, proof, root)
            _assert_inclusion_rejects(leaf, index, size, proof, root)


def _assert_inclusion_rejects(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> None:
    other = merkle.leaf_hash(b"not the leaf")
    assert not merkle.verify_inclusion(other, index, size, proof, root)
    assert not merkle.verify_inclusion(leaf, index, size, proof, other)
    assert not merkle.verify_inclusion(leaf, index, size, [*proof, other], root)
    assert not merkle.verify_inclusion(leaf, size, size, proof, root)
    if proof:
        assert not merkle.verify_inclusion(leaf, index, size, proof[:-1], root)
        assert not merkle.verify_inclusion(leaf, index, size, [other, *proof[1:]], root)
    if size > 1:
        assert not merkle.verify_inclusion(leaf, index ^ 1 if index ^ 1 < size else index - 1, size, proof, root)


def test_every_consistency_proof_up_to_64(tree: merkle.MemoryTree) -> None:
    roots = [ref_mth(DATA[:size]) for size in range(MAX + 1)]
    for size2 in range(1, MAX + 1):
        for size1 in range(1, size2 + 1):
            proof = merkle.consistency_proof(tree, size1, size2)
            assert proof == ref_subproof(size1, DATA[:size2], True), (size1, size2)
            assert merkle.verify_consistency(size1, size2, proof, roots[size1], roots[size2])
            _assert_consistency_rejects(size1, size2, proof, roots[size1], roots[size2])


def _assert_consistency_rejects(size1: int, size2: int, proof: list[bytes], root1: bytes, root2: bytes) -> None:
    other = merkle.leaf_hash(b"forged")
    assert not merkle.verify_consistency(size1, size2, proof, other, root2)
    assert not merkle.verify_consistency(size1, size2, proof, root1, other)
    assert not merkle.verify_consistency(size1, size2, [*proof, other], root1, root2)
    if proof:
        assert not merkle.verify_consistency(size1, size2, proof[:-1], root1, root2)
        assert not merkle.verify_consistency(size1, size2, [other, *proof[1:]], root1, root2)


def test_consistency_edge_cases(tree: merkle.MemoryTree) -> None:
    root = merkle.root_hash(tree, 5)
    assert merkle.consistency_proof(tree, 0, 5) == []
    assert merkle.consistency_proof(tree, 5, 5) == []
    assert merkle.verify_consistency(0, 5, [], merkle.EMPTY_ROOT, root)
    assert merkle.verify_consistency(5, 5, [], root, root)
    assert not merkle.verify_consistency(5, 5, [], root, merkle.EMPTY_ROOT)
    assert not merkle.verify_consistency(6, 5, [], root, root)
    assert not merkle.verify_consistency(3, 5, [], merkle.root_hash(tree, 3), root)
    with pytest.raises(ValueError):
        merkle.consistency_proof(tree, 6, 5)
    with pytest.raises(ValueError):
        merkle.inclusion_proof(tree, 5, 5)


def test_proofs_are_logarithmic() -> None:
    size = 1_000_000
    assert max(len(merkle.inclusion_spans(i, size)) for i in (0, 1, 524_287, 524_288, size - 1)) == 20
    assert len(merkle.consistency_spans(999_999, size)) <= 2 * 20
