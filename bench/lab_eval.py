"""How well unmask catches the lab's own fakes: a fresh swap-bench and gan-bench, then ``unmask eval``.

1. ``unmask lab swap-bench`` on the training set's talking-head clips (one identity per clip) and
   ``unmask lab gan-bench`` on its real face photos, in a temporary data dir (its own signing identity
   and ledger, never the user's);
2. ``unmask verify`` on every output: is the watermark found and does the C2PA manifest validate as
   trusted with the local trust list? (target: 100 %);
3. ``unmask eval`` on each bench twice: with every signal (the provenance evidence included), and with
   ``--skip provenance,c2pa,metadata``, the detectors alone. Prints the fused AUC per kind and each
   signal's AUC.

Bounded to about 10 minutes on the project's 2-core machine (training capped by ``--minutes``).

    nice -n 10 .venv/bin/python bench/lab_eval.py [--data ../shared/data/train] [--minutes 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
UNMASK = [sys.executable, "-m", "unmask"]
PROVENANCE_SIGNALS = "provenance,c2pa,metadata"


def run(args: list[str], env: dict[str, str], capture: bool = False) -> str:
    started = time.monotonic()
    done = subprocess.run(args, env=env, check=True, text=True, stdout=subprocess.PIPE if capture else None)
    print(f"  ({' '.join(args[2:5])} ...: {time.monotonic() - started:.0f} s)", file=sys.stderr)
    return done.stdout or ""


def make_benches(data: Path, work: Path, env: dict[str, str], minutes: float, seed: int) -> tuple[Path, Path]:
    swap, gan = work / "swap-bench", work / "gan-bench"
    common = ["--seed", str(seed), "--minutes", str(minutes), "--threads", "1"]
    identities = str(data / "videos_real")
    run([*UNMASK, "lab", "swap-bench", "--identities", identities, "--out", str(swap), "--pairs", "12", *common], env)
    faces = str(data / "real" / "ciplab_real160")
    run(
        [
            *UNMASK,
            "lab",
            "gan-bench",
            "--faces",
            faces,
            "--out",
            str(gan),
            "--samples",
            "20",
            "--count",
            "300",
            *common,
        ],
        env,
    )
    return swap, gan


def verify_all(bench: Path) -> tuple[int, int, int]:
    """(files, watermark found with the registered id, C2PA valid and trusted)."""
    import csv

    from unmask.provenance.verify import verify_file

    with (bench / "manifest.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    marked = trusted = 0
    for row in rows:
        report = verify_file(bench / row["relpath"])
        marked += report.watermark.found and report.watermark.content_id == row["content_id"]
        trusted += report.c2pa.state == "trusted"
    return len(rows), marked, trusted


def evaluate(bench: Path, env: dict[str, str], skip: str | None) -> dict[str, Any]:
    out = bench.parent / f"eval-{bench.name}-{'detectors' if skip else 'all'}"
    args = [*UNMASK, "eval", str(bench), "--json", "--out", str(out)] + (["--skip", skip] if skip else [])
    return json.loads(run(args, env, capture=True))


def fmt(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.3f}"


def print_eval(title: str, result: dict[str, Any]) -> None:
    print(f"\n{title}: {result['n_files']} files, {len(result['failures'])} failed")
    overall = result["overall"]
    print(
        f"  fused AUC {fmt(overall['auc'])} (real {overall['n_real']} / fake {overall['n_fake']}), "
        f"EER {fmt(overall['eer'])}, unsure {fmt(overall['unsure_rate'])}, FPR real {fmt(overall['fpr_real'])}"
    )
    for kind, m in result["per_kind"].items():
        if not m["n_fake"]:
            continue  # the reals' own kind: no fakes to rank against
        print(f"  fused AUC {kind:<16} {fmt(m['auc'])} ({m['n_real']} / {m['n_fake']})")
    signals = sorted(result["per_signal"].items(), key=lambda kv: -(kv[1]["auc"] or 0))
    print("  per signal: " + ", ".join(f"{name} {fmt(s['auc'])} ({s['n']})" for name, s in signals))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "train")
    parser.add_argument("--minutes", type=float, default=2.0, help="training cap per model")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, default=None, help="write the benches here instead of a temp dir")
    args = parser.parse_args()
    if not (args.data / "videos_real").is_dir():
        sys.exit(f"{args.data}: the training set (videos_real/, real/ciplab_real160/) is not there")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="unmask-lab-eval-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "UNMASK_DATA_DIR": str(work / "data"), "OMP_NUM_THREADS": "1"}
        benches = make_benches(args.data, work, env, args.minutes, args.seed)
        os.environ["UNMASK_DATA_DIR"] = env["UNMASK_DATA_DIR"]
        results: dict[str, dict[str, Any]] = {}
        for bench in benches:
            results[bench.name] = {
                "verify": verify_all(bench),
                "all": evaluate(bench, env, None),
                "detectors": evaluate(bench, env, PROVENANCE_SIGNALS),
            }
        for name, r in results.items():
            files, marked, trusted = r["verify"]
            lab = json.loads((work / name / "lab.json").read_text())
            print(f"\n=== {name}: {lab['files']}, training {lab['training']}")
            print(f"unmask verify: watermark found {marked}/{files}, C2PA valid and trusted {trusted}/{files}")
            print_eval("with provenance evidence (all signals)", r["all"])
            print_eval(f"detectors alone (--skip {PROVENANCE_SIGNALS})", r["detectors"])
    print(f"\ntotal {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
