"""Small accessible SVG line plots, drawn on the server (no plotting library in the browser).

Each plot has a title and description (``role="img"``, ``aria-labelledby``), labelled axes
with units, one marker shape and dash pattern per series (colour is never the only cue) and a
legend in text; the page shows the same numbers as a table beside it.
"""
from __future__ import annotations

import math
from html import escape
from typing import Sequence

_W, _H, _L, _R, _T, _B = 640, 360, 70, 170, 30, 50
_STYLES = [("#0b4f9c", "", "circle"), ("#b3261e", "6 3", "square"), ("#1e6b2e", "2 3", "triangle"),
           ("#6a3d9a", "8 3 2 3", "diamond")]


def _ticks(lo: float, hi: float, log: bool) -> list[float]:
    if log:
        return [10.0 ** e for e in range(math.floor(lo), math.ceil(hi) + 1)]
    if hi <= lo:
        return [lo]
    step = 10 ** math.floor(math.log10((hi - lo) / 4 or 1))
    for m in (1, 2, 5, 10):
        if (hi - lo) / (step * m) <= 6:
            step *= m
            break
    start = math.ceil(lo / step) * step
    return [start + i * step for i in range(int((hi - start) / step) + 1)]


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" fill="{colour}"/>'
    if kind == "triangle":
        return f'<path d="M{x:.1f},{y - 4:.1f} L{x + 4:.1f},{y + 3:.1f} L{x - 4:.1f},{y + 3:.1f} Z" fill="{colour}"/>'
    if kind == "diamond":
        return f'<path d="M{x:.1f},{y - 4:.1f} L{x + 4:.1f},{y:.1f} L{x:.1f},{y + 4:.1f} L{x - 4:.1f},{y:.1f} Z" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>'


def line_plot(plot_id: str, title: str, description: str, xlabel: str, ylabel: str,
              series: Sequence[tuple[str, Sequence[float], Sequence[float]]], *, logx: bool = False,
              markers_every: int = 1, step: bool = False) -> str:
    """SVG markup of ``series`` = [(name, xs, ys), ...]; non-finite points are skipped.
    ``step``: a step function (each value holds until the next x), as a Kaplan-Meier curve."""
    pts = [(n, [(x, y) for x, y in zip(xs, ys) if x is not None and y is not None and math.isfinite(x)
                and math.isfinite(y) and (x > 0 or not logx)]) for n, xs, ys in series]
    allx = [x for _, p in pts for x, _ in p]
    ally = [y for _, p in pts for _, y in p]
    if not allx:
        return f'<p>{escape(title)}: no finite points to plot.</p>'
    tx = (lambda v: math.log10(v)) if logx else (lambda v: v)
    x0, x1 = tx(min(allx)), tx(max(allx))
    y0, y1 = min(0.0, min(ally)), max(ally)
    if x1 == x0:
        x1 = x0 + 1
    if y1 == y0:
        y1 = y0 + 1
    pw, ph = _W - _L - _R, _H - _T - _B
    sx = lambda v: _L + (tx(v) - x0) / (x1 - x0) * pw  # noqa: E731
    sy = lambda v: _T + ph - (v - y0) / (y1 - y0) * ph  # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}" role="img" '
           f'aria-labelledby="{plot_id}-t {plot_id}-d" id="{plot_id}">',
           f'<title id="{plot_id}-t">{escape(title)}</title><desc id="{plot_id}-d">{escape(description)}</desc>',
           f'<rect x="{_L}" y="{_T}" width="{pw}" height="{ph}" fill="#fff" stroke="#555"/>']
    for t in _ticks(x0, x1, logx):
        v = t if not logx else t
        if not (min(allx) * 0.999 <= v <= max(allx) * 1.001) and logx:
            continue
        if not logx and not (x0 <= t <= x1):
            continue
        x = sx(v)
        out.append(f'<line x1="{x:.1f}" y1="{_T + ph}" x2="{x:.1f}" y2="{_T + ph + 5}" stroke="#555"/>'
                   f'<text x="{x:.1f}" y="{_T + ph + 18}" font-size="11" text-anchor="middle">{_fmt(v)}</text>')
    for t in _ticks(y0, y1, False):
        if y0 <= t <= y1:
            y = sy(t)
            out.append(f'<line x1="{_L - 5}" y1="{y:.1f}" x2="{_L + pw}" y2="{y:.1f}" stroke="#ddd"/>'
                       f'<text x="{_L - 8}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{_fmt(t)}</text>')
    out.append(f'<text x="{_L + pw / 2}" y="{_H - 10}" font-size="12" text-anchor="middle">{escape(xlabel)}</text>')
    out.append(f'<text x="16" y="{_T + ph / 2}" font-size="12" text-anchor="middle" '
               f'transform="rotate(-90 16 {_T + ph / 2})">{escape(ylabel)}</text>')
    for k, (name, p) in enumerate(pts):
        colour, dash, marker = _STYLES[k % len(_STYLES)]
        if not p:
            continue
        if step:
            d = f"M{sx(p[0][0]):.1f},{sy(p[0][1]):.1f} " + " ".join(
                f"L{sx(x):.1f},{sy(p[i][1]):.1f} L{sx(x):.1f},{sy(y):.1f}" for i, (x, y) in enumerate(p[1:]))
        else:
            d = " ".join(f"{'M' if i == 0 else 'L'}{sx(x):.1f},{sy(y):.1f}" for i, (x, y) in enumerate(p))
        out.append(f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="2"'
                   + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
        out += [_marker(marker, sx(x), sy(y), colour) for i, (x, y) in enumerate(p) if i % markers_every == 0]
        ly = _T + 14 + 18 * k
        out.append(f'<line x1="{_W - _R + 10}" y1="{ly}" x2="{_W - _R + 34}" y2="{ly}" stroke="{colour}" '
                   f'stroke-width="2"' + (f' stroke-dasharray="{dash}"' if dash else "") + "/>"
                   + _marker(marker, _W - _R + 22, ly, colour)
                   + f'<text x="{_W - _R + 40}" y="{ly + 4}" font-size="11">{escape(name[:22])}</text>')
    out.append("</svg>")
    return "".join(out)


__all__ = ["line_plot"]
