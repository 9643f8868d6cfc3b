"""The annotated MAF copy, written in one pass over the file's lines.

Comment lines, header and every original column are kept byte for byte, ``refractor_*``
columns appended. Two column sets (:data:`MAF_COLUMN_SETS`):

- ``variant`` (the default): ``refractor_mechanisms``, the mechanisms (``id:status``) each
  variant row supports; empty on rows that support none. The copy is about the size of the
  input.
- ``full``: also ``refractor_sample_mechanisms`` and one ``refractor_<class>_level`` per agent
  class: sample-level calls (the same as ``mechanisms.tsv`` / ``cohort_levels.tsv``) repeated
  on every row of the sample, so a MAF-only workflow can filter on them. With ~100 variants per
  sample this makes the copy several times the input (issue 15: 9x on the synthetic cohort).
  It equals :func:`refractor.io.write_annotated_maf` with :func:`refractor.report.maf_annotations`.

A gzip-compressed input gets a gzip-compressed copy (``.refractor.maf.gz``). Only the
``Tumor_Sample_Barcode`` column is parsed (the MAF is not read again as a variant table): the
per-variant annotation comes from the observations' sources (``path:line``).
"""
from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from refractor.errors import InputError
from refractor.interpret import LEVELS, CohortResult
from refractor.interpret._cohort_result import NOT_ASSESSABLE_CALL

#: the column sets of the annotated MAF (``--maf-columns``)
MAF_COLUMN_SETS = ("variant", "full")


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


def _sample_tails(result: CohortResult, got, samples: set[str], n_cols: int) -> dict[str, bytes]:
    """Per sample of the MAF: its sample-level cells (``full`` set), tab-joined, as bytes."""
    classes = maf_classes(result)
    index = {s: i for i, s in enumerate(result.samples)}
    best = [class_levels(result, ks) for ks in classes.values()]
    tails: dict[str, bytes] = {}
    for s in samples:
        i = index.get(s)
        vals = ([got.sample_mechs.get(s, "")] + [b[i] for b in best] if i is not None
                else [""] * n_cols)
        tails[s] = "".join("\t" + _cell(str(v)) for v in vals).encode("utf-8")
    return tails


def _by_line(got, path: str) -> dict[int, dict[str, str]]:
    """file line -> {sample: "mechanism:status;..."} for the observations read from ``path``."""
    out: dict[int, dict[str, str]] = {}
    for (s, src), labels in got.by_source.items():
        p, _, line = src.rpartition(":")
        if p == path and line.isdigit():
            out.setdefault(int(line), {})[s] = _cell(";".join(sorted(labels)))
    return out


def write_maf_copy(maf_path: Path, result: CohortResult, got, out_path: Path, *,
                   columns: str = "variant") -> None:
    """Write the annotated copy of ``maf_path`` to ``out_path`` (inside a staging directory;
    gzip-compressed when ``out_path`` ends in ``.gz``); ``columns``: one of
    :data:`MAF_COLUMN_SETS`."""
    from refractor.io._source import read_bytes
    from refractor.io._table import read_table, stripped

    if columns not in MAF_COLUMN_SETS:
        raise ValueError(f"columns must be one of {MAF_COLUMN_SETS}")
    data = read_bytes(maf_path)
    tab = read_table(maf_path, data=data, columns={"sample": ("Tumor_Sample_Barcode",)},
                     required={"sample"})
    samples = stripped(tab, "sample")
    row_line = np.asarray(tab.lines(), dtype=np.int64)
    names = ["refractor_mechanisms"]
    if columns == "full":
        names += ["refractor_sample_mechanisms",
                  *(f"refractor_{c}_level" for c in maf_classes(result))]
    lines = data.split(b"\n")
    del data
    if lines and lines[-1] == b"":
        lines.pop()
    header_i = tab.header_line - 1 if tab.header_line else None
    if header_i is None:
        raise InputError("MAF has no header line", path=maf_path)
    header = lines[header_i].decode("utf-8").split("\t")
    clash = [c for c in names if c in header]
    if clash:
        raise InputError(f"annotation columns already present in the MAF: {', '.join(clash)}",
                         path=maf_path, line=header_i + 1)
    by_line = _by_line(got, str(tab.path))
    del tab
    # every line of the file gets its cells appended: the header its names, a data row (its
    # 1-based line from the table reader) its own mechanisms and its sample's tail, a comment
    # or blank line nothing
    lines[header_i] += ("\t" + "\t".join(names)).encode()
    if columns == "full":
        row_sample = samples.to_pylist()
        tails = _sample_tails(result, got, set(row_sample), len(names) - 1)
        for s, ln in zip(row_sample, row_line.tolist()):
            i = ln - 1
            m = by_line.get(ln)
            cell = m.get(s) if m else None
            lines[i] = b"".join((lines[i], b"\t", cell.encode("utf-8") if cell else b"", tails[s]))
    else:
        # one cell per data row, empty but on the rows an observation was read from: the
        # rows are in file order (lines increasing), so each annotated line's row (and so its
        # sample) is found by binary search instead of visiting every row in Python
        for i in (row_line - 1).tolist():
            lines[i] += b"\t"
        ordered = bool(np.all(row_line[1:] > row_line[:-1]))
        row_of = None if ordered else {ln: k for k, ln in enumerate(row_line.tolist())}
        for ln, m in by_line.items():
            k = int(np.searchsorted(row_line, ln)) if ordered else row_of.get(ln, len(row_line))
            if k < len(row_line) and row_line[k] == ln:
                cell = m.get(samples[k].as_py())
                if cell:
                    lines[ln - 1] += cell.encode("utf-8")
    gz = str(out_path).endswith(".gz")
    with (gzip.open(out_path, "wb", compresslevel=6) if gz else open(out_path, "wb")) as fh:  # streamed in blocks: never the whole copy at once
        step = 65536
        for k in range(0, len(lines), step):
            fh.write(b"\n".join(lines[k:k + step]) + b"\n")


def maf_task(maf_path: Path, out_path: Path, columns: str, by_source: dict,
             sample_mechs: dict) -> None:
    """:func:`write_maf_copy` as a worker step (:class:`refractor.report._parallel.Workers`):
    the per-sample pass's ``by_source`` / ``sample_mechs`` are sent, the result inherited."""
    from types import SimpleNamespace

    from refractor.report._parallel import cohort_result

    write_maf_copy(maf_path, cohort_result(), SimpleNamespace(by_source=by_source,
                                                              sample_mechs=sample_mechs),
                   out_path, columns=columns)


__all__ = ["maf_task", "write_maf_copy", "maf_classes", "class_levels", "MAF_COLUMN_SETS"]
