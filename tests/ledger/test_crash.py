"""Crash safety: SIGKILL an appender at random moments; every acknowledged entry must survive intact.

A child prints each batch's index range only after ``Ledger.append`` returned, i.e. after the commit,
and is killed at a random moment 0-250 ms after it has opened the ledger (mid-batch, mid-commit...).
To fit many rounds into a few seconds on 2 cores, one small Python process (the "zygote") imports the
ledger once and forks a fresh appender per round; the test SIGKILLs that appender, which is exactly
what a crash of the appending process looks like to the database. After all rounds the test reopens
the ledger and checks every acknowledged entry, ``verify()`` (leaves, roots, signatures) and that
each checkpoint is consistent with the next.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
from itertools import pairwise
from pathlib import Path

import pytest

from unmask.ledger import Ledger

APPENDER = r"""
import hashlib, json, os, random, sys
from pathlib import Path
from unmask.ledger import Ledger, Record

location, key_path = sys.argv[1], Path(sys.argv[2])
for line in sys.stdin:
    round_no = int(line)
    pid = os.fork()
    if pid == 0:
        try:
            random.seed(round_no)
            ledger = Ledger.open(location, key_path=key_path)
            os.write(1, b"ready\n")
            batch = 0
            while True:
                digests = [hashlib.sha256(f"{round_no}/{batch}/{i}".encode()).hexdigest()
                           for i in range(random.randint(1, 60))]
                entries = ledger.append([Record(sha256=d, media_type="image/png", registrant=f"round{round_no}")
                                         for d in digests])
                ack = {"first": entries[0].index, "sha256": digests, "round": round_no}
                os.write(1, (json.dumps(ack) + "\n").encode())  # one write(2): a line is whole or absent
                batch += 1
        finally:
            os._exit(3)
    os.write(1, f"pid {pid}\n".encode())
    _, status = os.waitpid(pid, 0)
    os.write(1, f"done {status}\n".encode())
"""

ROUNDS = {"sqlite": 15, "postgresql": 12}


@pytest.mark.slow
def test_acknowledged_entries_survive_sigkill(location: str, key_path: Path, tmp_path: Path) -> None:
    Ledger.open(location, key_path=key_path).close()
    script = tmp_path / "appender.py"
    script.write_text(APPENDER)
    rng = random.Random(1234)
    zygote = subprocess.Popen(
        [sys.executable, str(script), location, str(key_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert zygote.stdin is not None and zygote.stdout is not None
    acked: dict[int, tuple[str, str]] = {}
    backend = "sqlite" if "://" not in location else "postgresql"
    try:
        for round_no in range(ROUNDS[backend]):
            zygote.stdin.write(f"{round_no}\n")
            zygote.stdin.flush()
            pid = int(zygote.stdout.readline().split()[1])
            killer = threading.Timer(rng.uniform(0.0, 0.25), os.kill, (pid, signal.SIGKILL))
            while not (line := zygote.stdout.readline()).startswith("done"):
                if line == "ready\n":  # armed once connected: a loaded machine must not starve the appender
                    killer.start()
                    continue
                ack = json.loads(line)
                for offset, digest in enumerate(ack["sha256"]):
                    assert ack["first"] + offset not in acked
                    acked[ack["first"] + offset] = (digest, f"round{ack['round']}")
            assert line.split()[1] == str(signal.SIGKILL), f"the appender died on its own ({line.strip()})"
            killer.join()
    finally:
        zygote.kill()
        zygote.wait()
    assert len(acked) > 50, "the appender never got going: the rounds are too short for this machine"
    with Ledger.open(location, key_path=key_path) as ledger:
        assert ledger.size() >= max(acked) + 1
        with ledger.store.reading() as tx:
            stored = {r["idx"]: (r["sha256"], r["registrant"]) for r in tx.entry_rows(0, tx.size)}
        assert {index: stored.get(index) for index in acked} == acked
        report = ledger.verify()
        assert report.ok, report.problems
        _assert_checkpoints_chain(ledger, report.checkpoints)


def _assert_checkpoints_chain(ledger: Ledger, count: int) -> None:
    with ledger.store.reading() as tx:
        rows = tx.checkpoint_rows()
    assert len(rows) == count and rows[-1].size == ledger.size()
    for older, newer in pairwise(rows):
        assert ledger.consistency_proof(older.size, newer.size).verify(older.root, newer.root)
