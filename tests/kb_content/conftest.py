"""Shared fixtures for KB content tests."""
from __future__ import annotations

import pandas as pd
import pytest

from refractor.reference import gene_table


@pytest.fixture(scope="session")
def reference_genes() -> dict[str, tuple[int, str]]:
    """HGNC symbol -> (NCBI Gene id, HGNC id) from the shipped GRCh38 MANE table.

    The shipped table is a filtered copy of ``shared/reference`` (see
    ``refractor/reference/data/PROVENANCE.md``), so these tests run on any machine.
    """
    t = gene_table("GRCh38").dropna(subset=["entrez_id"])
    return {g: (int(e), str(h)) for g, e, h in zip(t["gene"], t["entrez_id"], t["hgnc_id"])
            if not pd.isna(h)}
