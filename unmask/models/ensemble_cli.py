"""``unmask train face-blend-ensemble``: merge face-blend models trained with different seeds into one.

Training and merging are separate commands so the members can train side by side (one thread each,
``--out`` a folder per seed) and an ensemble can be rebuilt from members without training again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import numpy as np
from rich.console import Console

from unmask.models.cli_options import WEIGHTS_DIR, or_exit


@click.command("face-blend-ensemble")
@click.option(
    "--member",
    "members",
    multiple=True,
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder written by `unmask train face-blend --out FOLDER` (face_blend.onnx and its card); two or more.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=WEIGHTS_DIR,
    show_default=True,
    help="Where the merged face_blend.onnx and its card go (not a member's folder).",
)
def face_blend_ensemble_command(members: tuple[Path, ...], out_dir: Path) -> None:
    """Merge trained face-blend models into one ONNX model whose logit is the mean of theirs."""
    console = Console(stderr=True)
    info = or_exit(console, lambda: build_ensemble(list(members), out_dir))
    console.print(
        f"wrote {out_dir / info['onnx_file']} ({info['onnx_bytes'] / 1e6:.2f} MB, {len(info['members'])} members, "
        f"seeds {info['seeds']}), card {out_dir / 'face_blend.md'}"
    )


def build_ensemble(folders: list[Path], out_dir: Path) -> dict[str, Any]:
    """Read and check the members, merge them, check the merged logits against the members' mean and
    write the card (every member's own card inside it, so the ensemble's record is complete)."""
    from unmask.errors import UnmaskError
    from unmask.media import sha256_file
    from unmask.models.card import ENSEMBLE_TEMPLATE, portable, write_card
    from unmask.models.ensemble import (
        MATCHING_FIELDS,
        MEMBER_FILE,
        Member,
        check_compatible,
        ensemble_gap,
        merge_onnx,
    )

    members = [Member.read(folder) for folder in folders]
    check_compatible(members)
    target = out_dir / MEMBER_FILE
    if any(member.onnx.resolve() == target.resolve() for member in members):
        raise UnmaskError(f"{out_dir}: holds a member; write the ensemble to another folder")
    path = merge_onnx([member.onnx for member in members], target)
    first = members[0].card
    probe = np.random.default_rng(0).normal(size=(8, 3, int(first["size"]), int(first["size"])))
    info: dict[str, Any] = {key: first[key] for key in (*MATCHING_FIELDS, "opset")}
    info.update(
        {
            "onnx_file": path.name,
            "onnx_bytes": path.stat().st_size,
            "onnx_sha256": sha256_file(path),
            "ensemble_gap": ensemble_gap([member.onnx for member in members], path, probe),
            "seeds": [member.card["seed"] for member in members],
            "member_folders": [portable(folder) for folder in folders],
            "members": [member.card for member in members],
            "merged_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        }
    )
    view = {
        "member_table": "\n".join(_member_row(member.card) for member in members),
        "member_count": str(len(members)),
        "seed_list": ", ".join(str(seed) for seed in info["seeds"]),
        "folder_list": ", ".join(f"`{folder}`" for folder in info["member_folders"]),
    }
    write_card(out_dir, info, template=ENSEMBLE_TEMPLATE, view=view)
    return info


def _member_row(card: dict[str, Any]) -> str:
    return (
        f"| {card['seed']} | {card['steps']} | {card['minutes']:.1f} | {card.get('cross_share', 0.0):.0%} "
        f"| {card['val_auc']:.4f} | `{card['onnx_sha256'][:16]}...` | {card['trained_at']} |"
    )
