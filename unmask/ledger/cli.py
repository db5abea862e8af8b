"""``unmask ledger``: inspect a ledger and verify it independently.

``verify`` needs only the database and the public verifier key: it is what an auditor, or a cron job
beside the server, runs. Given an ``http(s)://`` URL it checks a served log instead, trusting the
server for nothing (:mod:`unmask.ledger.remote`); ``verify-receipt`` checks a signing receipt
(:mod:`unmask.ledger.receipt`). Exit codes: 0 all checks passed; 1 a problem was found (one line
each); 2 usage errors (no such database, no verifier key) or a server that cannot be reached.
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
from unmask.ledger.receipt import ReceiptError, load_receipt, verify_receipt
from unmask.ledger.remote import DEFAULT_TIMEOUT, LogClient, RemoteError, Unreachable, is_url, save_note, verify_remote
from unmask.ledger.store import Store, resolve_url

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


@click.group("ledger")
def ledger_group() -> None:
    """The transparency ledger: an append-only, signed Merkle log of media registrations."""


def _given_verifier(key: str | None, key_file: Path | None = None) -> NoteVerifier | None:
    """--key (a verifier key string or a file holding one) or --key-file; None when neither is given."""
    if key and key_file:
        raise click.UsageError("pass --key or --key-file, not both")
    try:
        if key_file:
            return NoteVerifier.parse(key_file.read_text())
        if key:
            return NoteVerifier.parse(Path(key).read_text() if Path(key).is_file() else key)
    except CheckpointError as exc:
        raise click.UsageError(str(exc)) from exc
    return None


def _verifier(key: str | None, store: Store, key_file: Path | None = None) -> NoteVerifier:
    """The given key; else the public half of the local key."""
    if (given := _given_verifier(key, key_file)) is not None:
        return given
    try:
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


_KEY_FILE_OPTION = click.option(
    "--key-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="A file holding the verifier key."
)
_TIMEOUT_OPTION = click.option(
    "--timeout", default=DEFAULT_TIMEOUT, show_default=True, type=click.FloatRange(min=0.1), help="HTTP timeout, s."
)


@ledger_group.command("verify")
@click.argument("location", required=False, metavar="[URL|PATH_OR_DB_URL]")
@click.option(
    "--checkpoint", "saved", type=click.File("r"), help="A checkpoint saved earlier: prove the log grew from it."
)
@click.option("--key", help="The log's verifier key (<name>+<id>+<key>) or a file holding it.")
@_KEY_FILE_OPTION
@click.option(
    "--save-checkpoint",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the newly verified checkpoint here (the next run's --checkpoint).",
)
@_TIMEOUT_OPTION
def verify_command(
    location: str | None,
    saved: TextIO | None,
    key: str | None,
    key_file: Path | None,
    save_checkpoint: Path | None,
    timeout: float,
) -> None:
    """Recompute every leaf, the tree and every checkpoint; one line per problem, exit 1 if any.

    Given an http(s):// URL, check the served log instead: its latest checkpoint against --key and,
    with --checkpoint, the server's consistency proof from the saved size to the current one.
    """
    if is_url(location):
        assert location is not None
        _verify_remote(location, saved, _given_verifier(key, key_file), save_checkpoint, timeout)
        return
    store = _open_store(location)
    latest_note = None
    try:
        verifier = _verifier(key, store, key_file)
        report = audit(store, verifier)
        problems = list(report.problems)
        if saved is not None:
            problems += check_saved(store, verifier, saved.read())
        if save_checkpoint is not None:
            with store.reading() as tx:
                latest_note = row.note if (row := tx.latest_checkpoint()) else None
    except SQLAlchemyError as exc:
        click.echo(f"the database cannot be read as a ledger: {exc.__class__.__name__}: {exc}".splitlines()[0])
        sys.exit(EXIT_PROBLEMS)
    finally:
        store.close()
    for line in problems:
        click.echo(line)
    if problems:
        sys.exit(EXIT_PROBLEMS)
    if save_checkpoint is not None and latest_note is not None:
        save_note(save_checkpoint, latest_note)
    suffix = " and consistent with the saved checkpoint" if saved is not None else ""
    click.echo(f"ok: {report.size} entries, {report.checkpoints} checkpoints verified{suffix}")


def _verify_remote(
    url: str, saved: TextIO | None, verifier: NoteVerifier | None, save_to: Path | None, timeout: float
) -> None:
    if verifier is None:
        raise click.UsageError("verifying a server needs the log's key (--key or --key-file): never the server's word")
    try:
        with LogClient(url, timeout) as client:
            report = verify_remote(client, verifier, saved.read() if saved is not None else None)
    except Unreachable as exc:
        click.echo(str(exc))
        sys.exit(EXIT_USAGE)
    except RemoteError as exc:
        click.echo(str(exc))
        sys.exit(EXIT_PROBLEMS)
    for line in report.problems:
        click.echo(line)
    if report.problems or report.latest is None:
        sys.exit(EXIT_PROBLEMS)
    if save_to is not None:
        save_note(save_to, report.latest.note)
    click.echo(report.summary())


@ledger_group.command("verify-receipt")
@click.argument("receipt_path", metavar="RECEIPT.json", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--file",
    "signed_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The signed file: check it is the one the receipt registers.",
)
@click.option("--key", help="The log's verifier key or a file holding it (default: the one the receipt names).")
@_KEY_FILE_OPTION
@click.option("--url", help="A ledger server: also check its log still extends the receipt's checkpoint.")
@_TIMEOUT_OPTION
def verify_receipt_command(
    receipt_path: Path,
    signed_file: Path | None,
    key: str | None,
    key_file: Path | None,
    url: str | None,
    timeout: float,
) -> None:
    """Check a receipt offline: checkpoint signature, entry, inclusion proof (and file, server); exit 1 on a failure."""
    if url is not None and not is_url(url):
        raise click.UsageError("--url takes an http:// or https:// address")
    try:
        receipt = load_receipt(receipt_path)
    except ReceiptError as exc:
        click.echo(f"receipt: FAILED: {exc}")
        sys.exit(EXIT_PROBLEMS)
    verifier = _given_verifier(key, key_file)
    if verifier is None:
        if not receipt.verifier_key:
            raise click.UsageError("the receipt names no verifier key: pass the log's with --key or --key-file")
        verifier = _given_verifier(receipt.verifier_key)
        click.echo("note: checked with the key the receipt itself names; pass --key to rule out a forged receipt")
    assert verifier is not None
    failed = False
    client = LogClient(url, timeout) if url else None
    try:
        for check in verify_receipt(receipt, verifier, signed_file, client):
            click.echo(str(check))
            failed |= not check.ok
    except Unreachable as exc:
        click.echo(str(exc))
        sys.exit(EXIT_PROBLEMS if failed else EXIT_USAGE)
    finally:
        if client is not None:
            client.close()
    if failed:
        sys.exit(EXIT_PROBLEMS)


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
