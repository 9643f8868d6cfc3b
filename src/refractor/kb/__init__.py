"""The Refractor knowledge base: curated YAML records, validated, compiled to SQLite, queried.

>>> from refractor.kb import KnowledgeBase
>>> kb = KnowledgeBase.load()                       # doctest: +SKIP
>>> [m.id for m in kb.mechanisms_for_agent("lenalidomide", disease="MM")]  # doctest: +SKIP

Importing this package reads no file; data are read by :meth:`KnowledgeBase.load`.
"""
from refractor.errors import KBProblem, KnowledgeBaseError, NotFoundError
from refractor.kb._export import EXPORT_SCHEMA, EXPORT_SCHEMA_VERSION, export_schema, write_export
from refractor.kb._knowledge import KnowledgeBase
from refractor.kb._names import display_name
from refractor.kb._load import default_data_dir
from refractor.kb._validate import validate
from refractor.kb.schema import (
    KINDS,
    Agent,
    AgentRule,
    Biomarker,
    Claim,
    Contradiction,
    Disease,
    Evidence,
    EvidenceLevel,
    Gene,
    Mechanism,
    ModelSystem,
    Neosubstrate,
    Scoring,
    Significance,
    Source,
    Strategy,
    Trial,
)

__all__ = [
    "KnowledgeBase",
    "validate",
    "KINDS",
    "KBProblem",
    "KnowledgeBaseError",
    "NotFoundError",
    "default_data_dir",
    "display_name",
    "export_schema",
    "write_export",
    "EXPORT_SCHEMA",
    "EXPORT_SCHEMA_VERSION",
    "Agent",
    "AgentRule",
    "Biomarker",
    "Claim",
    "Contradiction",
    "Disease",
    "Evidence",
    "EvidenceLevel",
    "Gene",
    "Mechanism",
    "ModelSystem",
    "Neosubstrate",
    "Scoring",
    "Significance",
    "Source",
    "Strategy",
    "Trial",
]
