"""Human-readable renderings of model results for ``refractor simulate``: text tables and PNG
plots (time courses show the readout with its label; every axis states its unit)."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Optional

from refractor.errors import InputError


def save_png(out: Optional[Path], plot) -> None:
    if out is None:
        raise InputError("--format png needs -o FILE", column="--format")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    try:
        plot(ax)
        fig.tight_layout()
        fig.savefig(out, dpi=120)
    finally:
        plt.close(fig)


def fmt_value(value: float, unit: str = "") -> str:
    if value is None or not isinstance(value, (int, float)) or not math.isfinite(value):
        return "not reached"
    return f"{value:.3g} {unit}".rstrip()


def text_dose_response(run: Any) -> str:
    dr = run.response
    what = "DC50" if dr.kind == "degradation" else "IC50"
    tol = (f" (root tolerance {dr.ic50_tolerance:.0e} relative)"
           if math.isfinite(dr.ic50_tolerance) else "")
    lines = [
        f"{run.model}: {dr.agent} dose-response, readout {dr.readout} ({dr.kind or 'other'}) "
        f"at {run.t_end:g} {run.time_unit}",
        f"cell: {run.cell}",
        f"{what}: {fmt_value(dr.ic50, dr.unit)}{tol}   Emax: {dr.emax:.3f}   Hill: "
        f"{'n/a' if not math.isfinite(dr.hill) else format(dr.hill, '.2f')}   "
        f"flags: {', '.join(dr.flags) or '-'}",
        "",
        f"{'dose (' + dr.unit + ')':>14}  {dr.readout:>12}  {'effect':>8}",
    ]
    for _, r in dr.frame.iterrows():
        lines.append(f"{r['dose']:>14.4g}  {r['response']:>12.4g}  {r['effect']:>8.3f}")
    lines += ["", "assumptions:"] + [f"  - {a}" for a in run.assumptions or ["none"]]
    return "\n".join(lines) + "\n"


def text_sample(df: Any, model: str) -> str:
    sample = df["sample"].iloc[0] if len(df) else "?"
    lines = [f"sample {sample}: predictions of model {model} against its reference cell"]
    refs = [r for r in df["reference"].dropna().unique()]
    lines += [f"reference: {r}" for r in refs]
    assumptions: list[str] = []
    for _, r in df.iterrows():
        if r["status"] == "predicted":
            u = r["unit"]
            curve = df.attrs.get("curves", {}).get(f"{r['model']}/{r['agent']}", {})
            top = max(curve.get("dose") or [math.nan])
            fold = r["ic50_fold"]

            def ic50(v: Any) -> str:
                ok = isinstance(v, float) and math.isfinite(v)
                return fmt_value(v, u) if ok else f"> {top:.3g} {u} (not reached)"

            if isinstance(fold, float) and math.isfinite(fold):
                fold_s = f"x{fold:.3g}"
            elif math.isfinite(r["ic50_ref"] or math.nan) and math.isfinite(top):
                fold_s = f"> x{top / r['ic50_ref']:.3g}"
            else:
                fold_s = "fold n/a"
            lines.append(
                f"  {r['agent']:<22} IC50 {ic50(r['ic50_ref'])} -> {ic50(r['ic50'])} "
                f"({fold_s}); Emax {r['emax_ref']:.2f} -> {r['emax']:.2f}")
            lines.append(f"  {'':<22} perturbations: {r['perturbations'] or 'none'}; "
                         f"mechanisms: {r['mechanisms'] or 'none'}")
            if r.get("clones") and " | " in str(r["clones"]):
                lines.append(f"  {'':<22} cells: {r['clones']}")
        elif r["status"] == "not_modelled":
            lines.append(f"  not modelled: {r['mechanisms']}")
        else:
            lines.append(f"  {r['status']}: {r['perturbations'] or ''} ({r['assumptions']})")
        for a in str(r["assumptions"] or "").split(" | "):
            if a and a not in assumptions and r["status"] == "predicted":
                assumptions.append(a)
    lines += ["", "assumptions:"] + [f"  - {a}" for a in assumptions or ["none"]]
    return "\n".join(lines) + "\n"


def shown_columns(run: Any) -> list[str]:
    """The readout (or the ids the user selected), never a slice of internal species ids."""
    cols = [c for c in run.result.frame.columns if c != "time"]
    if run.readout in cols and len(cols) > 8:
        return [run.readout]
    return cols[:8]


def text_time_course(run: Any) -> str:
    res = run.result
    f = res.frame
    step = max(1, (len(f) - 1) // 10)
    rows = f.iloc[list(range(0, len(f), step)) + ([len(f) - 1] if (len(f) - 1) % step else [])]
    cols = shown_columns(run)
    dose = f"{run.dose:g} {run.dose_unit}" if run.agent else ""
    lines = [f"{run.model}: time course, {run.agent or 'untreated'} {dose}".rstrip(),
             f"cell: {run.cell}",
             "settings: " + (", ".join(f"{k}={v:g}" for k, v in res.settings.items()) or "-")]
    if run.readout in cols:
        lines.append(f"readout: {run.readout} = {run.readout_label}")
    lines.append("")
    tbl = rows[["time"] + cols].to_string(index=False, float_format=lambda x: f"{x:.4g}")
    lines.append(tbl.replace("time", f"time ({res.time_unit})", 1))
    if len(f.columns) - 1 > len(cols):
        lines.append(f"({len(f.columns) - 1 - len(cols)} more columns: use --select or "
                     "--format tsv/json)")
    lines += ["", "assumptions:"] + [f"  - {a}" for a in run.assumptions or ["none"]]
    return "\n".join(lines) + "\n"


def plot_sample(df: Any, out: Optional[Path]) -> None:
    curves = df.attrs.get("curves", {})
    if not curves:
        raise InputError("nothing to plot: no predicted agent for this sample", column="--sample")
    items = list(curves.values())[:8]

    def plot(ax):
        for i, c in enumerate(items):
            color = f"C{i}"
            d = [x for x in c["dose"] if x > 0]
            k = len(c["dose"]) - len(d)
            ax.semilogx(d, c["reference"][k:], "--", color=color,
                        label=f"{c['agent']} reference (IC50 {fmt_value(c['ic50_ref'], c['unit'])})")
            ax.semilogx(d, c["sample"][k:], "o-", color=color, ms=3,
                        label=f"{c['agent']} sample (IC50 {fmt_value(c['ic50'], c['unit'])})")
        units = sorted({c["unit"] for c in items})
        ax.set_xlabel(f"dose ({', '.join(units)})")
        ax.set_ylabel(items[0]["readout"])
        ax.set_title(f"{df['sample'].iloc[0]}: sample vs reference "
                     f"({items[0]['reference_label']})", fontsize=8)
        ax.legend(fontsize=6)
    save_png(out, plot)


__all__ = ["fmt_value", "plot_sample", "save_png", "shown_columns", "text_dose_response",
           "text_sample", "text_time_course"]
