"""C2PA conformance: run verify's C2PA check over the c2pa-rs fixtures in the dev set and compare each
result with the one recorded in ``manifest.csv`` (its notes column: ``validation_state=...;
failure_codes=...``, read with no trust list, so verification here uses none either).

    .venv/bin/python bench/c2pa_conformance.py [--data ../shared/data]

Expected states map to verify's words: Valid with only ``signingCredential.untrusted`` -> untrusted;
Invalid with a hash or signature mismatch -> tampered; ManifestNotFound -> none; a remote manifest ->
remote; anything else the reader rejects -> unreadable. Exit 1 if any file disagrees.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

from unmask.media.sniff import HEAD_BYTES, sniff
from unmask.provenance.verify import c2pa_verdict

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
_IGNORED_CODES = {"signingCredential.ocsp.skipped"}


def expected(notes: str) -> tuple[str, set[str]]:
    """(verify state, failure codes) that the manifest's notes describe."""
    if "absent-or-unreadable" in notes:
        if "ManifestNotFound" in notes:
            return "none", set()
        return ("remote" if "Remote" in notes else "unreadable"), set()
    state = re.search(r"validation_state=(\w+)", notes)
    codes_match = re.search(r"failure_codes=([\w.;]*)", notes)
    codes = {c for c in (codes_match.group(1) if codes_match else "").split(";") if c}
    if state and state.group(1) == "Valid":
        return ("untrusted" if "signingCredential.untrusted" in codes else "valid"), codes
    mismatches = {c for c in codes if c.endswith(".mismatch")}
    return ("tampered" if mismatches else "invalid"), codes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    with (args.data / "manifest.csv").open(newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["relpath"].startswith("c2pa/")]
    if not rows:
        print(f"no c2pa fixtures listed in {args.data / 'manifest.csv'}")
        return 1
    print("| file | expected | got | failure codes (got) | agree |")
    print("|---|---|---|---|---|")
    disagreements = 0
    for row in rows:
        path = args.data / row["relpath"]
        want_state, want_codes = expected(row["notes"])
        sniffed = sniff(path.read_bytes()[:HEAD_BYTES])
        verdict = c2pa_verdict(path, sniffed.mime if sniffed else "application/octet-stream", None)
        got_codes = {f["code"] for f in verdict.failures} - _IGNORED_CODES
        agree = verdict.state == want_state and got_codes == want_codes
        disagreements += not agree
        codes = ", ".join(sorted(got_codes)) or "-"
        print(f"| {path.name} | {want_state} | {verdict.state} | {codes} | {'yes' if agree else 'NO'} |")
    print(f"\n{len(rows) - disagreements}/{len(rows)} agree with the recorded results")
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
