"""LeafCutter intron-cluster counts -> exon-skipping PSI for every sample of the file.

LeafCutter (Li et al., Nat Genet 2018, PMID 29229983; github.com/davidaknowles/leafcutter)
clusters split reads into introns and writes, space-separated:

- ``<prefix>_perind.counts.gz``: a header ``chrom <sample> <sample> ...``, then one row per
  intron ``<chrom>:<A>:<B>:clu_<n>[_<strand>]`` with ``k/n`` per sample (reads of the intron /
  reads of its cluster);
- ``<prefix>_perind_numers.counts.gz``: the same rows with ``k`` alone, under a header of the
  sample names only (one field fewer than the rows).

Its intron coordinates are those of the flanking exon ends, 1-based, in genomic order: ``A`` is
the last base of the exon on the intron's left and ``B`` the first base of the exon on its right,
i.e. STAR's intron start - 1 and intron end + 1 (CRBN's exon-10 skip on GRCh38, STAR
3151046-3153423 in reference/README, is LeafCutter's ``chr3:3151045:3153424``). Both of
LeafCutter's clustering scripts make them so (read in their source, commit 2c9907e):
``leafcutter_cluster.py`` takes a junction file's BED start (0-based first intronic base, from
``bed2junc.pl``) and its end + 1; ``leafcutter_cluster_regtools.py`` takes a regtools BED12
junction's start + first block size and its end - last block size + 1.

PSI is computed as for STAR junctions (:func:`refractor.io._splicing.read_junctions`):
skip / (skip + mean(inclusion upstream, inclusion downstream)), from the junctions the shipped
exon table gives for each event (never typed by hand); ``reads`` is the three counts' sum. A
cluster strand other than the gene's is not counted; ``NA`` or none is.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from refractor.errors import InputError
from refractor.io._attrs import set_attrs
from refractor.io._source import read_bytes
from refractor.reference import exon_skipping_junctions, normalise_chrom, resolve_build
from refractor.reference._builds import CHROM_ORDER


def _key(token: str) -> tuple[str, int, int, str] | None:
    """``chr3:3151045:3153424:clu_7_-`` -> (chrom, A, B, strand '+'/'-'/''), or None."""
    parts = token.split(":")
    if len(parts) != 4 or not parts[3].startswith("clu_"):
        return None
    chrom, a, b, clu = parts
    if not (a.isdecimal() and b.isdecimal()):
        return None
    tail = clu.rsplit("_", 1)[-1] if clu.count("_") >= 2 else ""
    return chrom, int(a), int(b), tail if tail in ("+", "-") else ""


def is_leafcutter(data: bytes) -> bool:
    """Does the file look like a LeafCutter ``*_perind[_numers].counts`` table (its first data
    row starts with ``chrom:A:B:clu_...``)?"""
    nl = data.find(b"\n")
    if nl < 0:
        return False
    end = data.find(b"\n", nl + 1)
    row = data[nl + 1: len(data) if end < 0 else end].decode("utf-8", "replace")
    return _key(row.split(" ", 1)[0]) is not None


def read_leafcutter(path: str | Path, *, build: str | None = None,
                    events: Sequence[tuple[str, int]] | None = None,
                    data: bytes | None = None) -> pd.DataFrame:
    """Exon-skipping PSI for every sample of a LeafCutter counts file (see the module docstring).

    Every row must be ``<chrom>:<A>:<B>:clu_<n>[_<strand>]`` followed by one count per sample
    (``k/n`` with 0 <= k <= n, or ``k``): a malformed row is an InputError naming its line. A
    file with no read at any event junction on ``build`` (default GRCh38) but reads at the other
    build's is an error (aligned to the other build). A sample with no informative read gets
    its row all the same, ``psi`` NaN and ``reads`` 0 (measured but uninformative).

    ``data``: the file's content as :func:`refractor.io._source.read_bytes` gave it, when the
    caller has read it already. Returns the cohort ``splicing`` table (``sample gene event psi
    reads source``).
    """
    from refractor.io._splicing import DEFAULT_EVENTS, event_name

    events = DEFAULT_EVENTS if events is None else events
    b = resolve_build(build, path=path)
    path = str(path)
    lines = (read_bytes(path) if data is None else data).decode("utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) < 2:
        raise InputError("a LeafCutter counts file needs a header line and at least one intron row",
                         path=path)
    header = lines[0].split()
    first = lines[1].split()
    if header and header[0] == "chrom" and len(header) == len(first):
        samples, ratio = header[1:], True  # _perind.counts: k/n
    elif len(header) + 1 == len(first):
        samples, ratio = header, False  # _perind_numers.counts: k
    else:
        raise InputError(f"header has {len(header)} field(s) and the first row {len(first)}: not a "
                         "LeafCutter _perind.counts ('chrom' + one name per sample) or "
                         "_perind_numers.counts (one name per sample) table", path=path, line=1)
    if not samples:
        raise InputError("the header names no sample", path=path, line=1)
    seen: set[str] = set()
    for s in samples:
        if s in seen:
            raise InputError(f"sample {s!r} is named twice in the header", path=path, line=1)
        seen.add(s)
    n = len(samples)
    targets = {}  # (chrom, A, B) on either build -> the junctions it stands for
    for bb in ("GRCh38", "GRCh37"):
        for gene, exon in events:
            j = exon_skipping_junctions(gene, exon, bb)
            for role, x in (("skip", j.skip), ("up", j.inclusion_upstream), ("down", j.inclusion_downstream)):
                targets.setdefault((x.chrom, x.start - 1, x.end + 1), []).append((bb, gene, exon, role, x.strand))
    counts: dict[tuple, np.ndarray] = {}  # (build, gene, exon, role) -> per-sample reads
    used: dict[tuple, list[int]] = {}
    chroms: dict[str, str] = {}
    for ln, text in enumerate(lines[1:], start=2):
        token, _, rest = text.partition(" ")
        key = _key(token)
        if key is None:
            raise InputError(f"row name {token[:60]!r} is not LeafCutter's <chrom>:<start>:<end>:clu_<n>",
                             path=path, line=ln)
        cells = None
        if not rest or rest.count(" ") + 1 != n:  # the usual single spaces checked at C speed
            cells = rest.split()
            if len(cells) != n:
                raise InputError(f"{len(cells)} count(s) for {n} sample(s)", path=path, line=ln)
        chrom = chroms.get(key[0])
        if chrom is None:
            chrom = chroms[key[0]] = normalise_chrom(key[0])
        hits = targets.get((chrom, key[1], key[2]))
        if not hits:
            continue
        cells = rest.split(" ") if cells is None else cells
        k = np.empty(n, dtype=np.int64)
        for i, c in enumerate(cells):
            num, slash, den = c.partition("/")
            if not num.isdecimal() or (ratio and not (slash and den.isdecimal() and int(num) <= int(den))) \
                    or (not ratio and slash):
                want = "k/n with 0 <= k <= n" if ratio else "a whole number of reads"
                raise InputError(f"sample {samples[i]}: count {c!r} is not {want}", path=path, line=ln,
                                 column=samples[i])
            k[i] = int(num)
        for bb, gene, exon, role, strand in hits:
            if key[3] and key[3] != strand:
                continue  # the cluster is on the other strand: not this gene's intron
            got = (bb, gene, exon, role)
            counts[got] = counts.get(got, 0) + k
            used.setdefault(got, []).append(ln)
    if not set(chroms.values()) & set(CHROM_ORDER):
        raise InputError("no intron is on a human primary chromosome (1-22, X, Y, M, with or without "
                         f"'chr'; seen: {', '.join(sorted(chroms)[:5])})", path=path)
    zero = np.zeros(n, dtype=np.int64)

    def informative(bb: str) -> int:
        return int(sum(counts.get((bb, g, e, r), zero).sum() for g, e in events for r in ("skip", "up", "down")))

    if informative(b) == 0:
        other = "GRCh37" if b == "GRCh38" else "GRCh38"
        if informative(other):
            raise InputError(f"no read at the {b} junctions of {', '.join(g for g, _ in events)}, but "
                             f"{informative(other)} read(s) at their {other} junctions: the file was aligned "
                             f"to {other}; give build {other} (samplesheet build column / --build)", path=path)
    rows = []
    for gene, exon in events:
        skip, up, down = (counts.get((b, gene, exon, r), zero) for r in ("skip", "up", "down"))
        inc = (up + down) / 2.0
        with np.errstate(invalid="ignore", divide="ignore"):
            psi = np.where(skip + inc > 0, skip / (skip + inc), np.nan)
        lns = sorted(x for r in ("skip", "up", "down") for x in used.get((b, gene, exon, r), []))
        src = f"{path}:" + (",".join(map(str, lns)) if lns else "no informative junction")
        for i, s in enumerate(samples):
            total = int(skip[i] + up[i] + down[i])
            rows.append((s, gene, event_name(exon), float(psi[i]), total,
                         src if total else f"{path}:no informative junction"))
    out = pd.DataFrame(rows, columns=["sample", "gene", "event", "psi", "reads", "source"])
    out["reads"] = out["reads"].astype("Int64")
    set_attrs(out, build=b, samples=list(samples), path=path)
    return out


__all__ = ["read_leafcutter", "is_leafcutter"]
