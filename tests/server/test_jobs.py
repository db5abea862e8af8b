"""The persistent queue on SQLite and PostgreSQL: order, exclusive claims, recovery after a crash."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ledger.conftest import fresh_pg_schema
from unmask.ledger.store import Store
from unmask.server.jobs import MAX_ATTEMPTS, JobQueue


@pytest.fixture(params=["sqlite", "postgresql"])
def queue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[JobQueue]:
    if request.param == "sqlite":
        location = str(tmp_path / "ledger.db")
    else:
        location = fresh_pg_schema(request.getfixturevalue("pg_url"))
    store = Store(location)
    yield JobQueue(store.engine)
    store.close()


def test_claims_oldest_first_and_each_job_once(queue: JobQueue) -> None:
    ids = [queue.submit(f"f{i}.jpg", f"/data/{i}", None).id for i in range(3)]
    claimed = [queue.claim() for _ in range(4)]
    assert [job.id if job else None for job in claimed] == [*ids, None]
    first = queue.get(ids[0])
    assert first is not None and first.status == "running" and first.attempts == 1 and first.started_at


def test_progress_finish_and_fail_are_stored(queue: JobQueue) -> None:
    a, b = queue.submit("a.jpg", "/data/a", "ab" * 32), queue.submit("b.mp4", "/data/b", None, {"find_faces": False})
    queue.claim(), queue.claim()
    queue.progress(a.id, "signal:ela", 0.7)
    assert (queue.get(a.id).stage, queue.get(a.id).progress) == ("signal:ela", 0.7)  # type: ignore[union-attr]
    queue.finish(a.id, "image", "likely real", 0.12, "ab" * 32)
    queue.fail(b.id, "b.mp4: corrupt or\nunreadable container")
    done, failed = queue.get(a.id), queue.get(b.id)
    assert done is not None and failed is not None
    assert (done.status, done.progress, done.verdict, done.finished) == ("done", 1.0, "likely real", True)
    assert failed.error == "b.mp4: corrupt or unreadable container"  # one line
    assert failed.options == {"find_faces": False}
    assert "source" not in done.public() and queue.counts() == {"done": 1, "failed": 1}
    assert [job.id for job in queue.list()] == [b.id, a.id]  # newest first


def test_recover_requeues_running_jobs_until_the_attempt_limit(queue: JobQueue) -> None:
    job = queue.submit("x.jpg", "/data/x", None)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        claimed = queue.claim()
        assert claimed is not None and claimed.attempts == attempt
        assert queue.recover() == (1 if attempt < MAX_ATTEMPTS else 0)
    final = queue.get(job.id)
    assert final is not None and final.status == "failed" and "stopped during this scan" in (final.error or "")


def test_release_puts_a_job_back_untried(queue: JobQueue) -> None:
    job = queue.submit("x.jpg", "/data/x", None)
    queue.claim()
    queue.release(job.id)
    again = queue.get(job.id)
    assert again is not None and (again.status, again.attempts) == ("queued", 0)
    assert queue.sources_in_use() == {"/data/x"}


def test_concurrent_claims_never_share_a_job(queue: JobQueue) -> None:
    ids = {queue.submit(f"f{i}", f"/data/{i}", None).id for i in range(24)}
    taken: list[str] = []
    lock = threading.Lock()

    def claimer() -> None:
        while (job := queue.claim()) is not None:
            with lock:
                taken.append(job.id)

    threads = [threading.Thread(target=claimer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(taken) == sorted(ids)
