"""``unmask keys init``, ``unmask sign`` and ``unmask verify``: provenance for users.

``verify`` always exits 0 when it could look at the file (its answer is the report, not the exit code);
errors the user can fix (no keys yet, a format unmask cannot sign, no such file) exit 2 with one line.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from unmask.errors import UnmaskError
from unmask.provenance.keys import KeysError, init_keys, keys_dir
from unmask.provenance.sign import SOURCE_TYPES, sign_file
from unmask.provenance.verify import verify_file

_KEYS_DIR_HELP = "Where the signing keys and the local trust list live (default: <data dir>/c2pa)."
_LEDGER_HELP = "Ledger: a SQLite path, a data dir or a database URL (default: the data dir's ledger)."


@click.group("keys")
def keys_group() -> None:
    """The development signing identity (root CA, signing certificate, local trust list)."""


@keys_group.command("init")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), help=_KEYS_DIR_HELP)
@click.option("--name", default="unmask development signer", show_default=True, help="The signer's common name.")
@click.option("--force", is_flag=True, help="Replace an existing identity (files signed before stay verifiable).")
def keys_init_command(directory: Path | None, name: str, force: bool) -> None:
    """Make a root CA and an ES256 signing certificate, and trust the root locally."""
    identity, created = init_keys(directory, common_name=name, force=force)
    verb = "created" if created else "already exists (use --force to replace it)"
    click.echo(f"signing identity {verb}: {identity.common_name}")
    click.echo(f"  keys and certificates: {keys_dir(directory)}")
    click.echo(f"  local trust list:      {keys_dir(directory) / 'trust-anchors.pem'}")


@click.command("sign")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Default: NAME.signed.EXT.")
@click.option("--author", help="Author recorded in the manifest (schema.org CreativeWork).")
@click.option("--registrant", help="Who registers the file in the ledger (default: the author, else the signer).")
@click.option(
    "--source-type",
    type=click.Choice(SOURCE_TYPES),
    default="digitalCapture",
    show_default=True,
    help="IPTC digital source type of the c2pa.created action.",
)
@click.option("--ledger", help=_LEDGER_HELP)
@click.option("--keys-dir", type=click.Path(file_okay=False, path_type=Path), help=_KEYS_DIR_HELP)
def sign_command(
    file: Path,
    output: Path | None,
    author: str | None,
    registrant: str | None,
    source_type: str,
    ledger: str | None,
    keys_dir: Path | None,
) -> None:
    """Watermark FILE, sign it with C2PA, register it in the ledger and write a receipt."""
    try:
        result = sign_file(
            file,
            output,
            author=author,
            registrant=registrant,
            source_type=source_type,
            ledger=ledger,
            keys_directory=keys_dir,
        )
    except (KeysError, UnmaskError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"signed:     {result.output}")
    click.echo(
        f"content id: {result.content_id} (watermark {'read back' if result.watermark_checked else 'NOT read back'})"
    )
    click.echo(f"ledger:     entry {result.entry.index}, leaf {result.entry.leaf_hash.hex()}")
    click.echo(f"receipt:    {result.receipt}")


@click.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--ledger", help=_LEDGER_HELP)
@click.option("--keys-dir", type=click.Path(file_okay=False, path_type=Path), help=_KEYS_DIR_HELP)
def verify_command(file: Path, as_json: bool, ledger: str | None, keys_dir: Path | None) -> None:
    """Check FILE's Content Credentials, watermark and ledger registration; a plain-words report."""
    try:
        report = verify_file(file, ledger=ledger, keys_directory=keys_dir)
    except UnmaskError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
        return
    for line in report.lines():
        click.echo(line)
