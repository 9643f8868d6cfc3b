"""Plots of the HTML report, rendered with matplotlib's object API (no pyplot, no GUI backend)
and returned as base64 PNG strings ready for ``<img src="data:image/png;base64,...">``.

matplotlib is imported by the plotting functions, not with this module: a run renders its plots
in a worker process (:func:`refractor.report._html.report_parts_task`), so the ~0.4 s import stays off the serial
start of ``refractor profile``."""
from __future__ import annotations

import base64
import io

import numpy as np

from refractor.interpret import LEVELS, STATUSES, CohortResult

STATUS_COLOURS = ["#eeeeee", "#cfe3f3", "#f6b26b", "#c0392b"]  # n/a, not detected, possible, detected
LEVEL_COLOURS = ["#6aa84f", "#ffd966", "#f6b26b", "#c0392b"]
NOT_ASSESSABLE_COLOUR = "#cccccc"
#: the disease track's colours (one per disease, in sorted order; grey beyond ten)
DISEASE_COLOURS = ["#4e79a7", "#59a14f", "#b07aa1", "#9c755f", "#76b7b2", "#edc948", "#ff9da7",
                   "#bab0ac", "#af7aa1", "#86bcb6"]


def _png(fig) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buf = io.BytesIO()
    FigureCanvasAgg(fig)
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    return base64.b64encode(buf.getvalue()).decode("ascii")


def sample_labels(samples: list[str], max_labelled: int = 80) -> list[str] | None:
    """x-axis labels of the landscape: the full sample ids (never truncated) for up to
    ``max_labelled`` samples, ``None`` (no labels) above that."""
    return [str(s) for s in samples] if len(samples) <= max_labelled else None


def mechanism_landscape(result: CohortResult, max_samples: int = 400,
                        max_labelled: int = 80) -> str | None:
    """Heatmap mechanisms x samples (status colours); mechanisms never assessable are dropped.

    Up to ``max_labelled`` samples each column is labelled with the full sample id (rotated);
    above that the labels would overlap and are omitted (the axis says how many samples).
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure

    st = result.status
    if st.size == 0:
        return None
    keep = np.flatnonzero((st > 0).any(axis=0))
    if keep.size == 0:
        return None
    st = st[:, keep]
    # samples grouped by disease (the track above the heatmap), then sorted by their calls
    dis = np.array([d or "(not given)" for d in result.diseases], dtype=object)
    names_d = sorted(set(dis.tolist()))
    dcode = np.array([names_d.index(d) for d in dis]) if len(dis) else np.zeros(0, int)
    # at most max_samples shown, taken evenly across diseases (the first ones of each group)
    picked = np.sort(np.concatenate([np.flatnonzero(dcode == j)[:max(1, max_samples * int((dcode == j).sum()) // len(dcode))]
                                     for j in range(len(names_d))]))[:max_samples] if len(dcode) else np.zeros(0, int)
    sub = st[picked]
    keys = tuple(-sub[:, k] for k in range(sub.shape[1] - 1, -1, -1)) + (dcode[picked],)
    order = picked[np.lexsort(keys)]
    st = st[order]
    names = [result.mechanisms[k] for k in keep]
    labels = sample_labels([result.samples[i] for i in order], max_labelled)
    labelled = labels is not None
    labels = labels or []
    longest = max((len(x) for x in labels), default=0)
    # full sample ids, rotated; the figure grows downwards by the longest id (0.075 in/char at 7 pt)
    fig = Figure(figsize=(min(2 + (0.16 if labelled else 0.12) * len(order), 16),
                          1.3 + 0.22 * len(names) + 0.075 * longest))
    track, ax = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [1.5, max(1, len(names))],
                                                          "hspace": 0.02})
    dcols = DISEASE_COLOURS[:len(names_d)] + ["#999999"] * max(0, len(names_d) - len(DISEASE_COLOURS))
    track.imshow(dcode[order][None, :], aspect="auto", interpolation="nearest",
                 cmap=ListedColormap(dcols), vmin=-0.5, vmax=len(dcols) - 0.5)
    track.set_yticks([0], ["disease"], fontsize=7)
    track.tick_params(axis="x", bottom=False, labelbottom=False)
    dh = [track.bar(0, 0, color=c, label=d) for c, d in zip(dcols, names_d)]
    track.legend(handles=dh, loc="upper left", bbox_to_anchor=(1.01, 1.6), fontsize=7, frameon=False,
                 ncol=1)
    ax.imshow(st.T, aspect="auto", interpolation="nearest", cmap=ListedColormap(STATUS_COLOURS),
              vmin=-0.5, vmax=3.5)
    ax.set_yticks(range(len(names)), names, fontsize=7)
    if labelled:
        ax.set_xticks(range(len(order)), labels, rotation=90, fontsize=7)
        ax.set_xlabel(f"{len(order)} samples (grouped by disease, sorted by calls)", fontsize=8)
    else:
        ax.set_xticks([])
        ax.set_xlabel(f"{len(order)} samples (grouped by disease, sorted by calls)")
    handles = [ax.bar(0, 0, color=c, label=s.replace("_", " ")) for c, s in zip(STATUS_COLOURS, STATUSES)]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7, frameon=False)
    return _png(fig)


def level_distribution(result: CohortResult) -> str | None:
    """Stacked bars: number of samples per resistance level for each agent."""
    from matplotlib.figure import Figure

    k = len(result.scored_agents)  # agents without knowledge have no level to plot
    lv = result.levels[:, :k]
    if lv.size == 0:
        return None
    ok = result.assessable[:, :k].astype(bool)
    # not-assessable calls are their own (grey) category, never counted as susceptible
    counts = np.stack([((lv == k) & ok).sum(axis=0) for k in range(len(LEVELS))]
                      + [(~ok).sum(axis=0)])
    agents = result.scored_agents
    fig = Figure(figsize=(max(4, 0.35 * len(agents) + 2), 3.4))
    ax = fig.add_subplot()
    x = np.arange(len(agents))
    bottom = np.zeros(len(agents))
    names = [*LEVELS, "not assessable"]
    for k, name in enumerate(names):
        if k == len(LEVELS) and not counts[k].any():
            continue
        ax.bar(x, counts[k], bottom=bottom, color=(LEVEL_COLOURS + [NOT_ASSESSABLE_COLOUR])[k],
               label=name, width=0.8)
        bottom += counts[k]
    ax.set_xticks(x, agents, rotation=70, ha="right", fontsize=7)
    ax.set_ylabel("samples")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7, frameon=False)
    return _png(fig)


#: fewest samples for which the report draws its two plots: for one sample the landscape is one
#: column and the distribution one bar per agent, both already in the report's tables, while
#: drawing them (matplotlib) was ~1.8 s of a ~3 s single-sample run
MIN_PLOT_SAMPLES = 2


def report_plots(result: CohortResult) -> tuple[str | None, str | None]:
    """The report's two plots, (mechanism landscape, level distribution): they depend only on
    the cohort-level calls, so a run renders them in a worker while the per-sample pass runs.
    ``(None, None)`` below :data:`MIN_PLOT_SAMPLES` samples."""
    if len(result) < MIN_PLOT_SAMPLES:
        return None, None
    return mechanism_landscape(result), level_distribution(result)


__all__ = ["mechanism_landscape", "sample_labels", "level_distribution", "report_plots", "MIN_PLOT_SAMPLES",
           "STATUS_COLOURS", "LEVEL_COLOURS"]
