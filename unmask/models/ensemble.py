"""A seed ensemble of face-blend models: one ONNX file whose logit is the mean of its members' logits.

Why: two runs of the same recipe that differ only in their seed rank the dev set's face swaps at 0.92
and 0.82; one training run is a draw, and which draw ships should not decide what users get. The mean
logit of independently trained members (Lakshminarayanan et al. 2017, "deep ensembles") has less
variance than any one member, and usually ranks at least as well as their average on data unlike the
training set. Merging is done on the exported ONNX graphs, so members trained anywhere (one thread each,
side by side) are combined without torch, and the scan still runs one file with the usual interface.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from unmask.errors import UnmaskError
from unmask.models.network_spec import INPUT_NAME, OUTPUT_NAME

MEMBER_FILE = "face_blend.onnx"
MEMBER_CARD = "face_blend.json"
MATCHING_FIELDS = ("size", "mean", "std", "input_name", "output_name")
"""Card fields every member must share: they define what the merged model's input means."""


@dataclass(frozen=True)
class Member:
    """One trained face-blend model: its ONNX file and the card its training run wrote beside it."""

    onnx: Path
    card: dict[str, Any]

    @classmethod
    def read(cls, folder: Path) -> Member:
        """The member written by ``unmask train face-blend --out FOLDER``; an error naming what is missing."""
        onnx_path, card_path = folder / MEMBER_FILE, folder / MEMBER_CARD
        for path in (onnx_path, card_path):
            if not path.is_file():
                raise UnmaskError(
                    f"{folder}: no {path.name}; train a member with `unmask train face-blend --out {folder}`"
                )
        card = json.loads(card_path.read_text())
        if "members" in card:
            raise UnmaskError(f"{folder}: is already an ensemble; merge its members instead")
        return cls(onnx_path, card)


def check_compatible(members: list[Member]) -> None:
    """Refuse members that do not read the same input the same way (or too few to be an ensemble)."""
    if len(members) < 2:
        raise UnmaskError("an ensemble needs at least two members")
    first = members[0]
    hashes = [member.card.get("onnx_sha256") for member in members]
    if len(set(hashes)) < len(hashes):
        raise UnmaskError("two members are the same model (same onnx_sha256); train each member with its own seed")
    for member in members[1:]:
        for field in MATCHING_FIELDS:
            if member.card.get(field) != first.card.get(field):
                raise UnmaskError(
                    f"{member.onnx}: {field} is {member.card.get(field)!r}, but {first.onnx} has "
                    f"{first.card.get(field)!r}; members must share their input"
                )


def merge_onnx(paths: list[Path], out: Path) -> Path:
    """Write one ONNX graph that feeds its input to every model in ``paths`` and outputs their mean logit.

    Each member's nodes and weights are kept as they are under a prefix (``m0_``, ``m1_`` ...), so the
    merged file computes exactly what the members compute, in one onnxruntime session."""
    import onnx
    from onnx import TensorProto, compose, helper

    models = [onnx.load(str(path)) for path in paths]
    first = models[0].graph
    input_name, output_name = first.input[0].name, first.output[0].name
    nodes: list[Any] = []
    initializers: list[Any] = []
    outputs = []
    for index, model in enumerate(models):
        prefix = f"m{index}_"
        prefixed = compose.add_prefix(model, prefix=prefix)
        nodes.append(helper.make_node("Identity", [input_name], [prefix + input_name]))
        nodes.extend(prefixed.graph.node)
        initializers.extend(prefixed.graph.initializer)
        outputs.append(prefix + output_name)
    initializers.append(helper.make_tensor("ensemble_weight", TensorProto.FLOAT, [], [1.0 / len(models)]))
    nodes.append(helper.make_node("Sum", outputs, ["ensemble_sum"]))
    nodes.append(helper.make_node("Mul", ["ensemble_sum", "ensemble_weight"], [output_name]))
    graph = helper.make_graph(nodes, "face_blend_ensemble", [first.input[0]], [first.output[0]], initializers)
    merged = helper.make_model(graph, opset_imports=models[0].opset_import)
    merged.ir_version = models[0].ir_version
    onnx.checker.check_model(merged)
    out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(merged, str(out))
    return out


def ensemble_gap(member_paths: list[Path], merged: Path, inputs: np.ndarray) -> float:
    """Largest absolute difference between the merged model's logits and the mean of its members'."""
    import onnxruntime as ort

    def logits(path: Path) -> np.ndarray:
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        (out,) = session.run([OUTPUT_NAME], {INPUT_NAME: inputs.astype(np.float32)})
        return np.asarray(out, dtype=np.float64)

    expected = np.mean([logits(path) for path in member_paths], axis=0)
    return float(np.max(np.abs(logits(merged) - expected)))
