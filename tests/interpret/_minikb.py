"""A small knowledge base built with ``KnowledgeBase.from_records`` and a cohort builder.

The records are real KB records (validated with the same reference checks as the packaged KB)
but the weights/thresholds are chosen to exercise the engine's semantics, not to encode
biology: biology is checked against the real KB in ``tests/golden``.
"""
from __future__ import annotations

import pandas as pd

from refractor.io.cohort import COLUMNS, Cohort, empty
from refractor.kb import KnowledgeBase

SRC = [{"source": "seed:003"}]


def _mech(id, axis, genes, agents=(), classes=(), diseases=("MM",), effect="resistance",
          level="cell_line"):
    return dict(id=id, name=id.replace("-", " "), category="drug_target", axis=axis,
                description=id, genes=list(genes), agents=list(agents),
                agent_classes=list(classes), diseases=list(diseases), evidence_level=level,
                effect=effect, sources=SRC)


def _bm(id, mech, profile, call="detected", diseases=()):
    return dict(id=id, name=id, mechanism=mech, call=call, profile=profile,
                diseases=list(diseases), sources=SRC)


def build_kb(extra_biomarkers: list[dict] | tuple = ()) -> KnowledgeBase:
    """The mini KB; ``extra_biomarkers`` (record dicts) are appended (validator tests)."""
    sources = [dict(id="seed:003", kind="seed", title="IMiD resistance review (seed 003)")]
    diseases = [
        dict(id="MM", name="multiple myeloma", sources=SRC),
        dict(id="RRMM", name="relapsed/refractory MM", kind="state", parent="MM", sources=SRC),
        dict(id="AML", name="acute myeloid leukaemia", sources=SRC),
        dict(id="CLL", name="chronic lymphocytic leukaemia", sources=SRC),
    ]
    genes = [dict(id=g, name=g, roles=["biomarker"], sources=SRC) for g in
             ("CRBN", "COPS7B", "BCL2", "MCL1", "NPM1", "CASP8", "CFLAR", "TP53")]
    agents = [
        dict(id="lenalidomide", name="Lenalidomide", agent_class="imid", codes=["CC-5013"],
             sources=SRC),
        dict(id="pomalidomide", name="Pomalidomide", agent_class="imid", sources=SRC),
        dict(id="dexamethasone", name="Dexamethasone", agent_class="corticosteroid", sources=SRC),
        dict(id="rd", name="Rd", agent_class="regimen", components=["lenalidomide", "dexamethasone"],
             sources=SRC),
        dict(id="venetoclax", name="Venetoclax", agent_class="bh3_mimetic", sources=SRC),
        dict(id="dulanermin", name="Dulanermin", agent_class="trail_agonist", sources=SRC),
        dict(id="pembrolizumab", name="Pembrolizumab", agent_class="checkpoint_inhibitor",
             sources=SRC),
        dict(id="mezigdomide", name="Mezigdomide", agent_class="celmod", sources=SRC),
    ]
    mechanisms = [
        _mech("crbn-lof", "crbn", ["CRBN"], classes=["imid"]),
        _mech("crbn-exon10-skipping", "crbn", ["CRBN"], classes=["imid"]),
        _mech("crbn-low", "crbn", ["CRBN"], classes=["imid"]),
        _mech("cop9-2q37-loss", "crbn", ["COPS7B"], classes=["imid"]),
        _mech("bcl2-g101v", "bcl2", ["BCL2"], agents=["venetoclax"], diseases=["CLL"]),
        _mech("mcl1-up", "bcl2", ["MCL1"], agents=["venetoclax"], diseases=["AML", "CLL"]),
        _mech("monocytic", "bcl2", [], agents=["venetoclax"], diseases=["AML"]),
        _mech("npm1-sensitive", "bcl2", ["NPM1"], agents=["venetoclax"], diseases=["AML"],
              effect="sensitivity", level="patient_cohort"),
        _mech("casp8-loss", "trail", ["CASP8"], agents=["dulanermin"], diseases=["AML"]),
        _mech("cflar-high", "trail", ["CFLAR"], agents=["dulanermin"], diseases=["AML"]),
        _mech("tp53-unmeasured", "bcl2", ["TP53"], agents=["venetoclax"], diseases=["AML"]),
    ]
    biomarkers = [
        _bm("crbn-lof-variant", "crbn-lof",
            {"kind": "variant", "gene": "CRBN", "consequences": ["loss_of_function"]}),
        _bm("crbn-missense", "crbn-lof",
            {"kind": "variant", "gene": "CRBN", "consequences": ["missense"]}, call="possible"),
        _bm("crbn-e10", "crbn-exon10-skipping",
            {"kind": "splicing", "gene": "CRBN", "event": "exon10_skipping", "comparison": ">=",
             "threshold": 0.2, "min_reads": 10}),
        _bm("crbn-low-expr", "crbn-low",
            {"kind": "expression", "gene": "CRBN", "comparison": "<=", "percentile": 25,
             "threshold": 5.0, "min_cohort": 20}, call="possible"),
        _bm("cops7b-loss", "cop9-2q37-loss",
            {"kind": "copy_number", "gene": "COPS7B", "comparison": "<=", "threshold": -0.4}),
        _bm("bcl2-g101v-bm", "bcl2-g101v",
            {"kind": "variant", "gene": "BCL2", "protein_changes": ["p.G101V"]}),
        _bm("bcl2-codon", "bcl2-g101v",
            {"kind": "variant", "gene": "BCL2", "codons": ["G101"], "consequences": ["missense"]},
            call="possible"),
        _bm("mcl1-high", "mcl1-up",
            {"kind": "expression", "gene": "MCL1", "comparison": ">=", "threshold": 100.0,
             "threshold_source": "assumed"}),
        _bm("monocytic-fab", "monocytic",
            {"kind": "subtype", "values": ["M4", "M5"]}, diseases=["AML"]),
        _bm("npm1-mut", "npm1-sensitive",
            {"kind": "variant", "gene": "NPM1", "consequences": ["frameshift"]}, diseases=["AML"]),
        _bm("casp8-del", "casp8-loss",
            {"any": [{"kind": "copy_number", "gene": "CASP8", "comparison": "<=", "threshold": -1.0},
                     {"kind": "variant", "gene": "CASP8", "consequences": ["loss_of_function"]}]}),
        _bm("cflar-not-low", "cflar-high",
            {"all": [{"kind": "expression", "gene": "CFLAR", "comparison": ">=", "threshold": 50.0},
                     {"not": {"kind": "variant", "gene": "CFLAR", "consequences": ["loss_of_function"]}}]}),
        _bm("tp53-methyl", "tp53-unmeasured",
            {"kind": "methylation", "feature": "TP53_promoter", "comparison": ">=", "threshold": 0.5}),
    ]
    strategies = [
        dict(id="next-gen-celmod", name="switch to a CELMoD", kind="next_generation_binder",
             description="stronger CRBN binder", agents=["mezigdomide"],
             addresses=[{"mechanism": "crbn-low"}, {"mechanism": "cop9-2q37-loss", "link": "inferred"}],
             evidence_level="clinical_trial", sources=SRC),
        dict(id="imid-pd1", name="IMiD + PD-1 blockade", kind="avoid", description="harm",
             agents=["lenalidomide", "pembrolizumab"], addresses=[{"mechanism": "crbn-low"}],
             evidence_level="clinical_trial", harmful=True, sources=SRC),
        dict(id="mcl1-combo", name="add an MCL1 inhibitor", kind="combination", description="x",
             agents=["venetoclax"], addresses=[{"mechanism": "mcl1-up", "link": "literature"}],
             evidence_level="cell_line", sources=SRC),
    ]
    evidence = [
        dict(id="ev-crbn-lof", subject={"kind": "mechanism", "id": "crbn-lof"},
             statement="CRBN loss in patients", agents=[{"agent": "lenalidomide"}],
             significance="resistance", level="patient_cohort", source="seed:003"),
        dict(id="ev-mcl1", subject={"kind": "mechanism", "id": "mcl1-up"},
             statement="MCL1 in cell lines", significance="resistance", level="cell_line",
             source="seed:003"),
        dict(id="ev-cflar", subject={"kind": "mechanism", "id": "cflar-high"},
             statement="review says", significance="resistance", level="review_statement",
             source="seed:003"),
    ]
    scoring = dict(
        version="test-1", possible_factor=0.5,
        levels=[dict(order=i, label=l, code=l[:1].upper(), comment=l) for i, l in
                enumerate(["susceptible", "low", "intermediate", "high"])],
        score_to_level=[{"level": "susceptible"}, {"min": 10, "level": "low"},
                        {"min": 30, "level": "intermediate"}, {"min": 60, "level": "high"}],
        rules=[
            dict(id="imid-rule", agent_classes=["imid"], terms=[
                {"max": [{"mechanism": "crbn-lof", "weight": 60},
                         {"mechanism": "crbn-exon10-skipping", "weight": 60},
                         {"mechanism": "crbn-low", "weight": 40}], "comment": "one CRBN axis"},
                {"mechanism": "cop9-2q37-loss", "weight": 20},
                {"history": "refractory", "agents": ["lenalidomide"], "weight": 30},
                {"all": ["crbn-low", "cop9-2q37-loss"], "weight": 10},
            ], overrides={"pomalidomide": {"crbn-low": 20}}),
            dict(id="ven-rule", agents=["venetoclax"], terms=[
                {"mechanism": "bcl2-g101v", "weight": 60},
                {"mechanism": "mcl1-up", "weight": 30},
                {"mechanism": "monocytic", "weight": 30},
                {"mechanism": "npm1-sensitive", "weight": -20},
            ]),
            dict(id="trail-rule", agent_classes=["trail_agonist"], terms=[
                {"mechanism": "casp8-loss", "weight": 40},
                {"mechanism": "cflar-high", "weight": 30},
            ]),
        ],
    )
    return KnowledgeBase.from_records(
        sources=sources, diseases=diseases, genes=genes, agents=agents, mechanisms=mechanisms,
        biomarkers=biomarkers + list(extra_biomarkers), strategies=strategies, evidence=evidence,
        scoring=scoring,
        version="test")


def make_cohort(samples: list[dict], assessed: dict[str, list[str]] | None = None,
                **tables: list[dict]) -> Cohort:
    """A Cohort from plain rows; ``assessed`` maps sample -> measured data kinds."""
    s = pd.DataFrame([{"subtype": None, "line": pd.NA, "prior_agents": [], "refractory_agents": [],
                       **row} for row in samples], columns=COLUMNS["samples"])
    a = [(smp, k) for smp, kinds in (assessed or {}).items() for k in kinds]
    kw = {"assessed": pd.DataFrame(a, columns=["sample", "kind"]) if a else empty("assessed")}
    for name, rows in tables.items():
        df = pd.DataFrame(rows)
        for c in COLUMNS[name]:
            if c not in df:
                df[c] = None
        kw[name] = df[COLUMNS[name]]
    return Cohort(samples=s, **kw)

