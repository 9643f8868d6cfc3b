"""Scenario files: schema, KB name resolution, file:line errors with "did you mean" (exit 2)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from refractor.cli import main
from refractor.cohort import bundled_scenario, bundled_scenarios, scenario_from_text
from refractor.cohort._scenario import schema
from refractor.errors import InputError

ROOT = Path(__file__).resolve().parents[2]

GOOD = """schema: refractor.cohort.scenario
version: 1
name: my-trial
population:
  disease: multiple myeloma
  state: MM-LEN-REF
  refractory: [Revlimid]
  prevalence: {cop9-signalosome-2q37-loss: 0.2}
arms:
  - name: A
    regimen: PVd
  - name: B
    agents: [bortezomib, dexamethasone]
"""


def test_published_schema_is_the_packaged_one():
    assert json.loads((ROOT / "docs/schemas/scenario.schema.json").read_text()) == schema()


def test_every_bundled_scenario_validates_and_states_its_source(kb):
    names = bundled_scenarios()
    assert {"optimismm-len-pretreated", "stratus-pd-after-len", "iberdomide-after-len-pom",
            "nd-rd-crbn-evolution"} <= set(names)
    for n in names:
        sc = bundled_scenario(n, kb)
        assert sc.targets, n
        for t in sc.targets:  # every published target names a KB source that exists
            assert t.source in kb.sources, (n, t.id)
            assert t.claim is None or t.claim in kb.claims


def test_names_are_resolved_by_the_kb(kb):
    sc = scenario_from_text(GOOD, kb)
    assert sc.disease == "MM" and sc.refractory == {"lenalidomide"}
    assert sc.arms[0].lines[0] == ("pomalidomide", "bortezomib", "dexamethasone")
    assert sc.arms[1].regimen == "bortezomib+dexamethasone"


@pytest.mark.parametrize("old,new,line,fragment", [
    ("regimen: PVd", "regimen: PVdd", 11, "did you mean"),
    ("refractory: [Revlimid]", "refractory: [lenalidomde]", 7, "did you mean 'lenalidomide'"),
    ("cop9-signalosome-2q37-loss: 0.2", "cop9-signalosome-2q37-los: 0.2", 8, "did you mean 'cop9-signalosome-2q37-loss'"),
    ("  state: MM-LEN-REF", "  stat: MM-LEN-REF", 6, "did you mean 'state'"),
    ("cop9-signalosome-2q37-loss: 0.2", "cop9-signalosome-2q37-loss: 1.2", 8, "maximum"),
    ("version: 1", "version: 2", 2, "1 was expected"),
])
def test_bad_scenarios_name_file_line_and_a_suggestion(kb, tmp_path, capsys, old, new, line, fragment):
    path = tmp_path / "s.yaml"
    path.write_text(GOOD.replace(old, new))
    with pytest.raises(InputError) as err:
        scenario_from_text(path.read_text(), kb, path=str(path))
    assert err.value.line == line and fragment in str(err.value)
    assert main(["cohort", "validate", str(path)]) == 2
    msg = capsys.readouterr().err
    assert f"line {line}" in msg and str(path) in msg and "Traceback" not in msg


def test_unknown_bundled_name_suggests_one(capsys):
    assert main(["cohort", "validate", "optimism-len-pretreated"]) == 2
    assert "did you mean the bundled scenario 'optimismm-len-pretreated'" in capsys.readouterr().err


def test_yaml_syntax_error_has_a_line(kb):
    with pytest.raises(InputError) as err:
        scenario_from_text(GOOD + "  - [unclosed\n", kb, path="x.yaml")
    assert err.value.line is not None and err.value.path == "x.yaml"
