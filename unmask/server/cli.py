"""``unmask serve``: the web page, the scan API and the ledger API in one server."""

from __future__ import annotations

from pathlib import Path

import click

from unmask.ledger.keys import data_dir as default_data_dir


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Uploads, reports, the ledger key and (by default) the SQLite database [default: $UNMASK_DATA_DIR "
    "or ~/.local/share/unmask].",
)
@click.option("--db", "database", metavar="PATH_OR_DB_URL", help="SQLite file or postgresql:// URL (jobs + ledger).")
@click.option(
    "--token", envvar="UNMASK_TOKEN", show_envvar=True, help="Bearer token for ledger appends and server-path scans."
)
@click.option("--scans-need-token", is_flag=True, help="Uploads need the token too (default: anyone may scan).")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="Scans at once.")
@click.option("--job-timeout", default=600.0, show_default=True, type=click.FloatRange(1), help="Seconds per scan.")
@click.option("--max-upload-mb", default=200, show_default=True, type=click.IntRange(1), help="Upload size limit.")
@click.option(
    "--retention-hours", default=24.0, show_default=True, type=click.FloatRange(0), help="Keep uploads this long."
)
def serve_command(
    host: str,
    port: int,
    data_dir: Path | None,
    database: str | None,
    token: str | None,
    scans_need_token: bool,
    workers: int,
    job_timeout: float,
    max_upload_mb: int,
    retention_hours: float,
) -> None:
    """Serve the web page (drop a file, read the report), the scan API and the ledger (API docs at /docs)."""
    import uvicorn  # imported here: the web stack is only needed by this command

    from unmask.server.app import create_app
    from unmask.server.config import ServerConfig

    if scans_need_token and not token:
        raise click.UsageError("--scans-need-token needs --token (or $UNMASK_TOKEN)")
    retention_s = retention_hours * 3600
    config = ServerConfig(
        data_dir=(data_dir or default_data_dir()).expanduser().resolve(),
        database=database,
        token=token or None,
        scans_need_token=scans_need_token,
        workers=workers,
        job_timeout_s=job_timeout,
        max_upload_bytes=max_upload_mb * 1024 * 1024,
        retention_s=retention_s,
        cleanup_interval_s=max(1.0, min(300.0, retention_s / 4)),
    )
    app = create_app(config)
    writes = "ledger appends need the token" if token else "no --token: the ledger is read-only"
    click.echo(f"unmask on http://{host}:{port}/ (API docs at /docs); data in {config.data_dir}; {writes}", err=True)
    uvicorn.run(app, host=host, port=port, log_level="info")
