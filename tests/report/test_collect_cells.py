"""agents.tsv cells are written as csv.writer writes them with a tab delimiter and "\r\n" line
ends: a cell holding a tab, quote, CR or LF is quoted, with quotes doubled (pandas' to_csv, with
"\n" line ends, leaves a lone CR unquoted, which its own reader then takes for a line end). The
fast path for the usual cells must not change that."""
from __future__ import annotations

import csv
import io

import pytest

from refractor.interpret._results import AgentCall
from refractor.report._collect import _RowCache


def _csv_line(cells) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter="\t", lineterminator="\r\n").writerow(
        ["" if c is None else c for c in cells])
    return buf.getvalue().removesuffix("\r\n")


@pytest.mark.parametrize("reason", [
    None, "plain words", 'said "no"', "a\ttab", "two\nlines", "cr\rhere", 'all\t"of"\nthem',
])
@pytest.mark.parametrize("score", [None, 0.0, 12.5, -10.0, 1e-7])
def test_agent_cells_as_csv_writer_writes_them(reason, score):
    a = AgentCall("venetoclax", "Venetoclax", "BH3-mimetic", "high", score,
                  mechanisms=("mcl1-up", "bcl2-g101v"), evidence=("ev1",), reason=reason,
                  assessable=score is not None)
    tail, traces = _RowCache().agent(a)
    cells = (a.agent, a.agent_class, a.level, a.score, a.assessable, a.confidence,
             "mcl1-up;bcl2-g101v", "ev1", a.level, a.status, reason or "")
    assert tail == _csv_line(cells)
    assert traces == ()
