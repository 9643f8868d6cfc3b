"""One place builds the simulated cell (reference or model defaults) for CLI, API and samples."""
from __future__ import annotations

import warnings

from refractor.cli import main
from refractor.models import get_spec


def test_reference_cell_settings_and_overrides():
    spec = get_spec("bcl2")
    ref = spec.reference_sample
    settings, label, notes = spec.cell_settings({"mcl1_level": 1.0})
    assert settings["mcl1_level"] == 1.0  # the caller's value wins over the reference cell
    assert all(settings[k] == v for k, v in ref.set.items() if k != "mcl1_level")
    assert ref.name in label
    assert notes == ([f"reference cell {ref.name!r}: {ref.note or 'levels assumed'}"] if ref.assumed else [])
    assert spec.cell_settings({"x": 2.0}, reference=False) == ({"x": 2.0}, "model defaults", [])


def test_cli_and_api_list_the_same_reference_cell_assumption(capsys):
    spec = get_spec("bcl2")
    _, _, notes = spec.cell_settings()
    assert notes, "the BCL2 reference cell's levels are assumed and must be said so"
    assert main(["simulate", "bcl2", "--agent", "venetoclax", "--dose-range", "1e-4:1:4"]) == 0
    cli_text = capsys.readouterr().out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette warns at import about httpx
        from fastapi.testclient import TestClient
    from refractor.api import create_app

    body = {"agent": "venetoclax", "doses": [1e-4, 1e-3, 1e-2, 1.0]}
    r = TestClient(create_app()).post("/models/bcl2/dose-response", json=body)
    assert r.status_code == 200, r.text
    assert notes[0] in r.json()["assumptions"]
    assert notes[0] in cli_text
