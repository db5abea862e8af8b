"""Background scans: ``workers`` slots, each a thread in the server driving one child process.

Why processes and not threads: a scan is CPU-bound Python and native code (decoders, MediaPipe,
onnxruntime) that cannot be interrupted, so the per-job time limit is enforced by killing the child;
a decoder crash on hostile input also takes down only that child. Each child imports the pipeline
once and then scans job after job, so models load once per slot, not once per scan. The server's
event loop never runs a scan: it only reads the queue table.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from unmask.config import default_signal_threads
from unmask.server.config import ServerConfig
from unmask.server.jobs import Job, JobQueue

log = logging.getLogger("unmask.server")
_READY_TIMEOUT_S = 300.0
_IDLE_POLL_S = 0.5


def overall_progress(stage: str, done: float, total: float) -> float:
    """The pipeline's ``progress(stage, done, total)`` as one fraction of the whole scan.

    Decoding is quick, faces take about a third of a video scan and the signals the rest (README, Speed).
    """
    part = done / total if total > 0 else 0.0
    if stage == "decode":
        return 0.02
    if stage == "faces":
        return 0.05 + 0.35 * part
    if stage.startswith("signal:"):
        return 0.40 + 0.55 * part
    return 1.0 if stage == "done" else 0.0


@dataclass(frozen=True)
class Task:
    """What the server sends a child: one job, and where to write its report."""

    job_id: str
    source: str
    display_name: str
    hide_path: bool
    options: dict[str, Any]
    report_path: str


def _die_with_parent() -> None:
    """Linux: the kernel kills this child when the server dies, even by SIGKILL."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def child_main(conn: Connection, data_dir: str, ledger: str, signal_threads: int) -> None:
    """A scan process: import once, say ready, then scan each :class:`Task` it receives.

    ``signal_threads``: the server's share of the cores for one scan (cores ÷ worker slots), so busy slots
    do not oversubscribe the machine and a lone upload still uses the idle cores.
    """
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the server, which stops us
    os.environ["UNMASK_DATA_DIR"] = data_dir
    os.environ["UNMASK_LEDGER"] = ledger  # the provenance signal looks up this server's ledger (SQLite or PostgreSQL)
    from unmask.pipeline import scan  # the heavy imports, once per process
    from unmask.signals import signal_classes

    signal_classes()  # imports every signal module (seconds): before the first job's clock starts
    conn.send(("ready",))
    while True:
        try:
            task: Task | None = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        conn.send(_scan_task(task, conn, scan, signal_threads))


def _scan_task(task: Task, conn: Connection, scan: Any, signal_threads: int) -> tuple[Any, ...]:
    from unmask.config import ScanOptions
    from unmask.errors import MediaError

    last: list[Any] = ["", 0.0]  # stage, time of the last message

    def progress(stage: str, done: float, total: float) -> None:
        now = time.monotonic()
        if stage != last[0] or now - last[1] > 0.25:  # a few messages a second at most
            last[:] = [stage, now]
            conn.send(("progress", stage, overall_progress(stage, done, total)))

    signals = task.options.get("signals")
    options = ScanOptions(
        signals=tuple(signals) if signals else None,
        skip_signals=tuple(task.options.get("skip") or ()),
        find_faces=bool(task.options.get("find_faces", True)),
        signal_threads=signal_threads,
    )
    try:
        report = scan(task.source, options, progress)
    except MediaError as exc:
        return ("failed", f"{task.display_name}: {exc.reason}")
    except Exception as exc:  # an unforeseen decoder crash fails this job, not the worker
        return ("failed", " ".join(f"{task.display_name}: unexpected error: {type(exc).__name__}: {exc}".split())[:300])
    report.input.name = task.display_name
    if task.hide_path:  # uploads live under a content-addressed name; show the name the user gave
        report.input.path = task.display_name
    target = Path(task.report_path)
    partial = target.with_suffix(".partial")
    partial.write_text(report.to_json(), encoding="utf-8")
    os.replace(partial, target)
    verdict = report.verdict
    return ("done", report.input.kind, verdict.label, float(verdict.probability), report.input.sha256)


class _Child:
    """One scan process and the server's end of its pipe."""

    def __init__(self, data_dir: Path, ledger: str, signal_threads: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child_end = context.Pipe()
        self.process: BaseProcess = context.Process(
            target=child_main,
            args=(child_end, str(data_dir), ledger, signal_threads),
            name="unmask-scan",
            daemon=True,
        )
        self.process.start()
        child_end.close()

    def wait_ready(self, timeout: float) -> bool:
        return self.conn.poll(timeout) and self.conn.recv() == ("ready",)

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.process.join(2)
        self.kill()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


class WorkerPool:
    """``config.workers`` slots taking jobs from the queue until :meth:`stop`."""

    def __init__(self, config: ServerConfig, queue: JobQueue) -> None:
        self.config = config
        self.queue = queue
        self.stopping = threading.Event()
        self.wake = threading.Event()
        self.threads: list[threading.Thread] = []
        self.children: dict[int, _Child] = {}

    def start(self) -> None:
        for slot in range(self.config.workers):
            thread = threading.Thread(target=self._run, args=(slot,), name=f"unmask-worker-{slot}", daemon=True)
            thread.start()
            self.threads.append(thread)

    def notify(self) -> None:
        """A job was queued: wake idle slots now instead of at their next poll."""
        self.wake.set()

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
        for thread in self.threads:
            thread.join(10)
        for child in list(self.children.values()):
            child.stop()
        self.children.clear()

    def _run(self, slot: int) -> None:
        while not self.stopping.is_set():
            try:
                child = self._child(slot)
                job = self.queue.claim() if child is not None else None
                if job is None:
                    self.wake.wait(_IDLE_POLL_S)
                    self.wake.clear()
                    continue
                assert child is not None
                self._drive(slot, child, job)
            except Exception:  # a database hiccup must not end the slot; log it and go on
                log.exception("worker slot %d", slot)
                time.sleep(1)

    def _child(self, slot: int) -> _Child | None:
        child = self.children.get(slot)
        if child is not None and child.process.is_alive():
            return child
        threads = max(1, default_signal_threads() // max(1, self.config.workers))
        child = _Child(self.config.data_dir, self.config.database_location, threads)
        if not child.wait_ready(_READY_TIMEOUT_S):
            child.kill()
            return None
        self.children[slot] = child
        return child

    def _drive(self, slot: int, child: _Child, job: Job) -> None:
        """Send ``job`` to ``child`` and relay its progress until it ends, fails or runs out of time."""
        upload = Path(job.source).parent == self.config.uploads_dir
        task = Task(
            job.id, job.source, job.filename, upload, job.options, str(self.config.reports_dir / f"{job.id}.json")
        )
        child.conn.send(task)
        deadline = time.monotonic() + self.config.job_timeout_s
        while True:
            if self.stopping.is_set():
                self.queue.release(job.id)
                return
            if time.monotonic() > deadline:
                self._drop(slot, child)
                limit = f"{self.config.job_timeout_s:g}"
                self.queue.fail(job.id, f"{job.filename}: the scan took longer than the {limit} s time limit")
                return
            try:
                ready = child.conn.poll(0.2)
                message = child.conn.recv() if ready else None
            except (EOFError, OSError):
                message, ready = None, False
            if message is None:
                if not child.process.is_alive():
                    code = child.process.exitcode
                    self._drop(slot, child)
                    self.queue.fail(job.id, f"{job.filename}: the scan process stopped unexpectedly (exit code {code})")
                    return
                continue
            if message[0] == "progress":
                self.queue.progress(job.id, message[1], message[2])
            elif message[0] == "failed":
                self.queue.fail(job.id, message[1])
                return
            elif message[0] == "done":
                _, kind, label, probability, sha256 = message
                self.queue.finish(job.id, kind, label, probability, sha256)
                return

    def _drop(self, slot: int, child: _Child) -> None:
        child.kill()
        self.children.pop(slot, None)
