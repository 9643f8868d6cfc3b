"""The annotated MAF copy, written in one pass over the file's lines.

The same file as :func:`refractor.io.write_annotated_maf` with the columns of
:func:`refractor.report.maf_annotations` (comment lines, header and every original column kept
byte for byte, ``refractor_*`` columns appended), built without a DataFrame of strings: all
columns but ``refractor_mechanisms`` are per-sample values, so each sample's tail is formatted
once and appended to its rows (issue 15: the per-column string operations over a million rows
took most of the writing time).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from refractor.errors import InputError
from refractor.interpret import LEVELS, CohortResult
from refractor.interpret._cohort_result import NOT_ASSESSABLE_CALL


def _cell(text: str) -> str:
    return text.replace("\t", " ").replace("\n", " ")


def maf_classes(result: CohortResult) -> dict[str, list[int]]:
    """agent class -> indexes of its scored agents (no-knowledge agents have no level)."""
    classes: dict[str, list[int]] = {}
    for k, _ in enumerate(result.scored_agents):
        classes.setdefault(result[0].agents[k].agent_class if len(result) else "other", []).append(k)
    return dict(sorted(classes.items()))


def class_levels(result: CohortResult, ks: list[int]) -> np.ndarray:
    """Per sample: the highest level among the agents ``ks``, or not_assessable."""
    codes = result.level_codes()[:, ks]
    top = codes.max(axis=1) if codes.shape[1] else np.full(len(result), -1)
    words = np.array(list(LEVELS) + [NOT_ASSESSABLE_CALL], dtype=object)
    return words[np.where(top >= 0, top, len(LEVELS))]


def write_maf_copy(maf_path: Path, result: CohortResult, got, out_path: Path) -> None:
    """Write the annotated copy of ``maf_path`` to ``out_path`` (inside a staging directory)."""
    from refractor.io import read_maf
    from refractor.io._source import read_bytes

    maf = read_maf(maf_path)
    classes = maf_classes(result)
    names = ["refractor_mechanisms", "refractor_sample_mechanisms",
             *(f"refractor_{c}_level" for c in classes)]
    index = {s: i for i, s in enumerate(result.samples)}
    best = [class_levels(result, ks) for ks in classes.values()]
    tails: dict[str, str] = {}
    for s in set(maf["sample"].tolist()):
        i = index.get(s)
        vals = [got.sample_mechs.get(s, "")] + [b[i] for b in best] if i is not None else [""] * (len(names) - 1)
        tails[s] = "".join("\t" + _cell(str(v)) for v in vals)

    data = read_bytes(maf_path)
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    body = [i for i, ln in enumerate(lines) if ln.strip() and not ln.startswith(b"#")]
    if not body:
        raise InputError("MAF has no header line", path=maf_path)
    header_i, data_idx = body[0], body[1:]
    header = lines[header_i].decode("utf-8").split("\t")
    clash = [c for c in names if c in header]
    if clash:
        raise InputError(f"annotation columns already present in the MAF: {', '.join(clash)}",
                         path=maf_path, line=header_i + 1)
    n = len(data_idx)
    if len(maf) and (int(maf.index.min()) < 0 or int(maf.index.max()) >= n):
        raise InputError(f"annotation row outside the MAF's {n} data rows", path=maf_path)
    # per data row: its own refractor_mechanisms cell and its sample's tail (shared bytes)
    empty, tab = ("\t" * (len(names) - 1)).encode(), b"\t"
    btails = {s: t.encode("utf-8") for s, t in tails.items()}
    mech_cell, tail = [tab] * n, [empty] * n
    by_source = got.by_source
    for r, s, src in zip(maf.index.tolist(), maf["sample"].tolist(), maf["source"].tolist()):
        m = by_source.get((s, src))
        if m:
            mech_cell[r] = ("\t" + _cell(";".join(sorted(m)))).encode("utf-8")
        tail[r] = btails[s]
    del maf, data
    lines[header_i] += ("\t" + "\t".join(names)).encode()
    j = 0
    with open(out_path, "wb", buffering=1 << 20) as fh:  # streamed: never the whole copy in memory
        for i, ln in enumerate(lines):
            if j < n and data_idx[j] == i:
                fh.write(b"".join((ln, mech_cell[j], tail[j], b"\n")))
                j += 1
            else:
                fh.write(ln + b"\n")

__all__ = ["write_maf_copy", "maf_classes", "class_levels"]
