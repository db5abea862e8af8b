"""``unmask ledger``: inspect a ledger and verify it independently.

``verify`` needs only the database and the public verifier key: it is what an auditor, or a cron job
beside the server, runs. Exit codes: 0 all checks passed; 1 a problem was found (one line each);
2 usage errors (no such database, no verifier key).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

import click
from sqlalchemy.exc import SQLAlchemyError

from unmask.ledger.audit import audit, check_saved
from unmask.ledger.checkpoint import CheckpointError, NoteSigner, NoteVerifier
from unmask.ledger.keys import KEY_FILE
from unmask.ledger.log import Ledger, default_key_path
from unmask.ledger.store import Store, resolve_url

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


@click.group("ledger")
def ledger_group() -> None:
    """The transparency ledger: an append-only, signed Merkle log of media registrations."""


def _verifier(key: str | None, store: Store) -> NoteVerifier:
    """--key as a verifier key string or a file holding one; else the public half of the local key."""
    try:
        if key:
            text = Path(key).read_text() if Path(key).is_file() else key
            return NoteVerifier.parse(text)
        path = default_key_path(store)
        if not path.is_file():
            raise click.UsageError(f"no {KEY_FILE} at {path}: pass the log's verifier key with --key")
        return NoteSigner.parse(path.read_text()).verifier
    except CheckpointError as exc:
        raise click.UsageError(str(exc)) from exc


def _open_store(location: str | None) -> Store:
    url = resolve_url(location)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        raise click.UsageError(f"no ledger database at {url.removeprefix('sqlite:///')}")
    return Store(url, create=False)


@ledger_group.command("verify")
@click.argument("location", required=False, metavar="[PATH_OR_DB_URL]")
@click.option(
    "--checkpoint", "saved", type=click.File("r"), help="A checkpoint saved earlier: prove the log grew from it."
)
@click.option("--key", help="The log's verifier key (<name>+<id>+<key>) or a file holding it.")
def verify_command(location: str | None, saved: TextIO | None, key: str | None) -> None:
    """Recompute every leaf, the tree and every checkpoint; one line per problem, exit 1 if any."""
    store = _open_store(location)
    try:
        verifier = _verifier(key, store)
        report = audit(store, verifier)
        problems = list(report.problems)
        if saved is not None:
            problems += check_saved(store, verifier, saved.read())
    except SQLAlchemyError as exc:
        click.echo(f"the database cannot be read as a ledger: {exc.__class__.__name__}: {exc}".splitlines()[0])
        sys.exit(EXIT_PROBLEMS)
    finally:
        store.close()
    for line in problems:
        click.echo(line)
    if problems:
        sys.exit(EXIT_PROBLEMS)
    suffix = " and consistent with the saved checkpoint" if saved is not None else ""
    click.echo(f"ok: {report.size} entries, {report.checkpoints} checkpoints verified{suffix}")


@ledger_group.command("info")
@click.argument("location", required=False, metavar="[PATH_OR_DB_URL]")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def info_command(location: str | None, as_json: bool) -> None:
    """Size, root hash, the latest signed checkpoint and the verifier key (creates the log if new)."""
    with Ledger.open(location) as ledger:
        signed = ledger.checkpoint()
        info = {
            "database": ledger.store.url,
            "size": signed.size,
            "root": signed.root.hex(),
            "verifier_key": str(ledger.verifier),
            "checkpoint": signed.note,
        }
    if as_json:
        click.echo(json.dumps(info, indent=2))
        return
    click.echo(f"database:     {info['database']}\nsize:         {info['size']}\nroot:         {info['root']}")
    click.echo(f"verifier key: {info['verifier_key']}\n\nlatest checkpoint:\n{info['checkpoint']}", nl=False)


@ledger_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8700, show_default=True, type=click.IntRange(1, 65535))
@click.option("--db", "location", metavar="PATH_OR_DB_URL", help="The ledger (default: the data dir's ledger.db).")
@click.option("--token", envvar="UNMASK_LEDGER_TOKEN", help="Bearer token for appends [env: UNMASK_LEDGER_TOKEN].")
@click.option("--max-upload-mb", default=50, show_default=True, type=click.IntRange(1), help="Upload size limit.")
def serve_command(host: str, port: int, location: str | None, token: str | None, max_upload_mb: int) -> None:
    """Serve the ledger over HTTP (routes under /api/ledger, API docs at /docs)."""
    import uvicorn  # imported here: the web stack is only needed by this command

    from unmask.ledger.server import create_app

    if not token:
        raise click.UsageError("set --token or $UNMASK_LEDGER_TOKEN: appends need a bearer token")
    app = create_app(location, token, max_upload_mb * 1024 * 1024)
    click.echo(f"{len(app.state.matcher.index)} PDQ hashes indexed; serving on http://{host}:{port}/docs", err=True)
    uvicorn.run(app, host=host, port=port, log_level="info")
