"""The HTML report shows the KB's own level definitions (scoring.levels: label, code, comment)
with their score band from the one level table, and names the agents without knowledge."""
from __future__ import annotations

import html as html_lib

import pandas as pd

from refractor.interpret import interpret
from refractor.io.cohort import COLUMNS, Cohort
from refractor.kb import KnowledgeBase
from refractor.report import render_html
from refractor.report._html import level_definitions


def test_report_shows_kb_level_comments_and_no_knowledge_agents():
    kb = KnowledgeBase.load()
    s = pd.DataFrame([dict(sample="S", disease="MM", subtype=None, line=pd.NA, prior_agents=[],
                           refractory_agents=["lenalidomide"])], columns=COLUMNS["samples"])
    res = interpret(Cohort(samples=s, assessed=pd.DataFrame([("S", "history")],
                                                            columns=["sample", "kind"])), kb)
    page = html_lib.unescape(render_html(res, kb))
    defs = level_definitions(kb)
    assert [d["label"] for d in defs] == ["susceptible", "low", "intermediate", "high"]
    bands = {d["label"]: d["band"] for d in defs}
    assert bands["susceptible"] == "< 15" and bands["high"] == ">= 60"  # scoring/base.yaml
    for d in kb.scoring.levels:
        assert d.comment in page
    assert res.unscored_agents and "No resistance knowledge in this KB version" in page
    assert res.unscored_agents[0] in page
    # a no-knowledge agent is a status everywhere, never a level
    assert set(res.to_frame()[res.unscored_agents].iloc[0]) == {"no_knowledge"}
    call = res["S"].agent(res.unscored_agents[0])
    assert call.level == call.status == "no_knowledge" and call.score is None
