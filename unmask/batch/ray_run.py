"""The scan as a Ray Data pipeline: a local Ray by default, a cluster with ``address``.

``from_items(files) → map_batches(ScanActor, ActorPoolStrategy(size=workers)) → iter_batches`` on the
driver. Each actor is one worker process holding one CPU; it imports unmask and loads the models once
(ONNX sessions, the face landmarker) and keeps them for every file it scans, so models are shared by
all files of a worker and never shipped per task. Rows stream back to the driver as each file
finishes (``target_max_block_size`` is set tiny so Ray Data does not hold finished rows back to fill a
block); the driver is the only writer of ``OUT``.

Ray is imported only here, inside functions: ``unmask scan`` and the rest of the package never pay
for it.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Container, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from importlib.util import find_spec
from typing import Any

import pyarrow as pa

from unmask.batch.worker import FileTask, scan_file
from unmask.config import ScanOptions
from unmask.errors import UnmaskError

MAX_ROWS_PER_BLOCK = 16
"""Input files per Ray task: small enough to balance the load, large enough to keep per-task overhead low."""


class ClusterError(UnmaskError):
    """Ray could not be started or reached (one line: the address and why)."""


def quiet_ray_environment() -> None:
    """Offline and quiet defaults, unless the user set them: no usage-stats upload, no token auth on a
    loopback cluster (Ray 2.60 otherwise writes ``~/.ray/auth_token`` and warns), no dashboard."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")


@contextmanager
def ray_session(address: str | None = None, workers: int | None = None) -> Iterator[int]:
    """Start a local Ray (``num_cpus=workers``) or join the cluster at ``address``; yields the worker count.

    On a cluster the default worker count is every CPU the cluster has.
    """
    quiet_ray_environment()
    if address and address.startswith("ray://") and find_spec("grpc") is None:
        raise ClusterError(f"{address}: Ray Client addresses need `pip install 'ray[client]'`; use HOST:PORT or auto")
    import ray
    import ray.data

    common: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.WARNING}
    try:
        if address:
            ray.init(address=address, **common)
            workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        else:
            workers = workers or os.cpu_count() or 1
            # "local" starts a private Ray even when a cluster runs on this machine (ray.init() would join it)
            ray.init(address="local", num_cpus=workers, include_dashboard=False, **common)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ClusterError(f"{address or 'local Ray'}: {' '.join(str(exc).split())[:300]}") from None
    _configure_data()
    try:
        yield workers
    finally:
        ray.shutdown()


def _configure_data() -> None:
    import ray.data

    logging.getLogger("ray.data").setLevel(logging.ERROR)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # the CLI draws its own bar with files/s and ETA
    context.print_on_execution_start = False
    context.target_max_block_size = 1  # hand every finished row to the driver at once


class ScanActor:
    """One Ray worker: scans the files of each batch it is given, one after another, with models loaded once."""

    def __init__(self, options: ScanOptions, report_version: str, known_sha256: Container[str]) -> None:
        self.options = replace(options, signal_threads=1)  # Ray already runs one actor per core
        self.report_version = report_version
        self.known_sha256 = known_sha256

    def __call__(self, batch: pa.Table) -> pa.Table:
        rows: list[str] = []
        reports: list[str] = []
        for item in batch.to_pylist():
            task = FileTask(item["path"], item["size_bytes"], item["mtime_ns"])
            row, report = scan_file(task, self.options, self.report_version, self.known_sha256)
            rows.append(json.dumps(row, separators=(",", ":")))
            reports.append(report or "")
        return pa.table({"row": rows, "report": reports})


def stream_rows(
    tasks: Sequence[FileTask],
    options: ScanOptions,
    report_version: str,
    workers: int,
    known_sha256: frozenset[str] = frozenset(),
) -> Iterator[tuple[dict[str, Any], str | None]]:
    """Scan ``tasks`` on the connected Ray; yields ``(row, report_json)`` as each file finishes, in any order."""
    if not tasks:
        return
    import ray.data

    items = [{"path": t.path, "size_bytes": t.size_bytes, "mtime_ns": t.mtime_ns} for t in tasks]
    per_block = max(1, min(MAX_ROWS_PER_BLOCK, len(items) // (workers * 4)))
    dataset = ray.data.from_items(items, override_num_blocks=math.ceil(len(items) / per_block)).map_batches(
        ScanActor,
        fn_constructor_kwargs={
            "options": options,
            "report_version": report_version,
            "known_sha256": known_sha256,
        },
        batch_size=1,
        batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=workers),
        num_cpus=1,
    )
    for batch in dataset.iter_batches(batch_size=None, batch_format="pyarrow", prefetch_batches=0):
        assert isinstance(batch, pa.Table)  # batch_format="pyarrow"
        for row, report in zip(batch.column("row").to_pylist(), batch.column("report").to_pylist(), strict=True):
            yield json.loads(row), report or None
