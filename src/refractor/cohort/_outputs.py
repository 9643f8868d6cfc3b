"""Files written by a run: Parquet (streamed block by block), the JSON summary, an HTML report
with Kaplan-Meier curves (with at-risk counts) and a Muller (fish) plot of clone make-up."""
from __future__ import annotations

import html
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


class ParquetStream:
    """Append DataFrames with one schema to a Parquet file, one row group each; the file
    appears complete (renamed into place) only when :meth:`close` succeeds."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._tmp = self.path.with_name(f".{self.path.name}.part")
        self._writer = None

    def write(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=False)
        if self._writer is None:
            self._writer = pq.ParquetWriter(self._tmp, table.schema)
        self._writer.write_table(table)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            self._tmp.replace(self.path)


def trajectory_frame(arm: str, replicate: int, first_patient: int, traj: np.ndarray) -> pd.DataFrame:
    """Long table: one row per patient and whole month (burden relative to entry; NaN after death)."""
    B, T = traj.shape
    return pd.DataFrame({
        "replicate": np.full(B * T, replicate, dtype=np.int32), "arm": arm,
        "patient": np.repeat(np.arange(first_patient, first_patient + B, dtype=np.int64), T),
        "month": np.tile(np.arange(T, dtype=np.int16), B), "burden": traj.ravel(),
    })


def write_events(events: pd.DataFrame, path: Path) -> Path:
    path = Path(path)
    if path.suffix != ".parquet":
        path.mkdir(parents=True, exist_ok=True)
        path = path / "events.parquet"
    s = ParquetStream(path)
    s.write(events)
    s.close()
    return path


def _svg(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]


def km_svg(run: Any, line: int = 1, what: str = "pfs") -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from lifelines.plotting import add_at_risk_counts

    fig, ax = plt.subplots(figsize=(7, 4.5))
    fitted = run.km(line, what)
    for kmf in fitted.values():
        kmf.plot_survival_function(ax=ax, ci_show=True)
    ax.set_xlabel("months")
    ax.set_ylabel("progression-free" if what == "pfs" else "overall survival")
    ax.set_ylim(0, 1.02)
    add_at_risk_counts(*fitted.values(), ax=ax, rows_to_show=["At risk"])
    return _svg(fig)


def muller_svg(run: Any, arm: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shares = run.muller[arm]
    labels = ["founder"] + run.plans[0].bit_names()
    keep = [i for i in range(shares.shape[1]) if shares[:, i].max() > 1e-3]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.stackplot(np.arange(shares.shape[0]), shares[:, keep].T, labels=[labels[i] for i in keep])
    ax.set_xlabel("months")
    ax.set_ylabel("mean share of tumour burden")
    ax.set_ylim(0, 1)
    ax.set_title(f"clone make-up over time - {arm}")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    return _svg(fig)


def report_html(run: Any, summary: dict[str, Any]) -> str:
    e = html.escape
    rows = []
    for a in summary["arms"]:
        for ln in a["lines"]:
            pfs, orr = ln.get("pfs", {}), ln.get("orr", {})
            rows.append(f"<tr><td>{e(a['name'])}</td><td>{ln['line_index']}</td><td>{e(ln['regimen'])}</td>"
                        f"<td>{ln['patients']}</td><td>{pfs.get('median')} ({pfs.get('median_low')}-{pfs.get('median_high')})</td>"
                        f"<td>{orr.get('value')} ({orr.get('low')}-{orr.get('high')})</td>"
                        f"<td>{ln.get('any_crbn_lesion_at_progression')}</td></tr>")
    targets = "".join(
        f"<tr><td>{e(t['id'])}</td><td>{e(t['measure'])}</td><td>{t['published']}</td><td>{t['simulated']}</td>"
        f"<td>{t['low']:.3g}-{t['high']:.3g}</td><td>{'yes' if t['within'] else 'NO'}</td><td>{e(t['use'])}</td>"
        f"<td>{e(t['source'])}</td></tr>" for t in summary["targets"])
    comps = "".join(
        f"<li>{e(c['arm'])} vs {e(c['comparator'])}: HR {c['hazard_ratio']['hr']:.3f} "
        f"({c['hazard_ratio']['low']:.3f}-{c['hazard_ratio']['high']:.3f}), ratio of medians {c['median_ratio']}</li>"
        for c in summary["comparisons"] if c["hazard_ratio"])
    fish = "".join(f"<h3>{e(p.arm)}</h3>{muller_svg(run, p.arm)}" for p in run.plans)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Refractor virtual cohort - {e(summary['scenario']['name'])}</title>
<style>body{{font-family:sans-serif;max-width:1000px;margin:auto}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:3px 6px}}.note{{background:#fff3cd;padding:8px}}</style></head><body>
<h1>{e(summary['scenario']['title'])}</h1>
<p class="note">{e(summary['disclaimer'])}</p>
<p>KB {e(summary['kb']['version'])} ({e(summary['kb']['content_hash'])}); {summary['scenario']['n_per_arm']} patients per arm;
criteria: {e(summary['criteria']['source'])} - simplified: {e(summary['criteria']['simplified'])}.</p>
<h2>Progression-free survival, first simulated line</h2>{km_svg(run)}
<ul>{comps}</ul>
<table><tr><th>arm</th><th>line</th><th>regimen</th><th>patients</th><th>median PFS (95% CI)</th><th>ORR (95% CI)</th><th>CRBN lesion at progression</th></tr>{''.join(rows)}</table>
<h2>Published targets</h2>
<table><tr><th>target</th><th>measure</th><th>published</th><th>simulated</th><th>accepted</th><th>met</th><th>role</th><th>source</th></tr>{targets}</table>
<h2>Clone make-up (Muller plot)</h2>{fish}
</body></html>"""


def write_report(run: Any, folder: Path) -> dict[str, str]:
    """``events.parquet``, ``summary.json`` and ``report.html`` in ``folder``."""
    from refractor._atomic import atomic_write

    folder.mkdir(parents=True, exist_ok=True)
    out = {"events": str(write_events(run.events, folder / "events.parquet"))}
    run.outputs.update(out)
    summary = run.summary()
    summary["outputs"] = {**run.outputs, "summary": str(folder / "summary.json"), "report": str(folder / "report.html")}
    with atomic_write(folder / "summary.json") as fh:
        json.dump(summary, fh, indent=1, allow_nan=False)
    with atomic_write(folder / "report.html") as fh:
        fh.write(report_html(run, summary))
    return {"summary": str(folder / "summary.json"), "report": str(folder / "report.html"), **out}


__all__ = ["ParquetStream", "trajectory_frame", "write_events", "write_report", "report_html", "km_svg", "muller_svg"]
