"""Worker processes: the per-job time limit kills the scan, and the next job gets a fresh process."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from unmask.ledger.store import Store
from unmask.server.config import ServerConfig
from unmask.server.jobs import Job, JobQueue
from unmask.server.workers import WorkerPool, overall_progress


def test_overall_progress_follows_the_pipeline_stages() -> None:
    stages = [("decode", 0, 1), ("faces", 0, 10), ("faces", 10, 10), ("signal:a", 0, 3), ("signal:c", 2, 3)]
    fractions = [overall_progress(*s) for s in stages] + [overall_progress("done", 1, 1)]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and fractions[0] > 0


@pytest.fixture
def queue(tmp_path: Path) -> Iterator[JobQueue]:
    store = Store(str(tmp_path / "ledger.db"))
    yield JobQueue(store.engine)
    store.close()


def _wait(queue: JobQueue, job_id: str, timeout: float = 120) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = queue.get(job_id)
        if job is not None and job.finished:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")


def test_a_scan_over_the_time_limit_fails_and_the_worker_recovers(
    tmp_path: Path, queue: JobQueue, media: dict[str, Path]
) -> None:
    config = ServerConfig(data_dir=tmp_path, workers=1, job_timeout_s=1.0)
    config.prepare()
    pool = WorkerPool(config, queue)
    slow = queue.submit("clip.mp4", str(media["clip"]), None)  # faces + signals on 50 frames: well over 1 s
    quick = queue.submit("photo.jpg", str(media["photo"]), None, {"signals": ["metadata"], "find_faces": False})
    pool.start()
    try:
        deadline = time.monotonic() + 120
        while (job := queue.get(slow.id)) is not None and job.status == "queued":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        first = pool.children[0].process  # the slot's process, running the slow scan
        failed = _wait(queue, slow.id)
        done = _wait(queue, quick.id)
        second = pool.children[0].process
    finally:
        pool.stop()
    assert failed.status == "failed" and failed.error == "clip.mp4: the scan took longer than the 1 s time limit"
    assert not first.is_alive() and first.pid != second.pid  # killed, and the slot got a fresh process
    assert done.status == "done" and done.verdict is not None
    report = (config.reports_dir / f"{quick.id}.json").read_text()
    assert '"name": "metadata"' in report and str(media["photo"]) in report  # a server path scan keeps its path
