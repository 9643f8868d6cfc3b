"""AMICI's part of ``bench_earm.py``, run in a child process of an interpreter with AMICI.

AMICI needs sympy >= 1.12.1 and PySB 1.17 pins sympy < 1.12, so the two cannot share an
environment: ``bench_earm.py`` (PySB's environment) writes the SBML and the parameter sets
to a temporary folder and runs ``python _earm_amici.py FOLDER`` with ``--amici-python``;
this script times AMICI and ``run_batch(backend="amici")`` there and writes its figures and
the cPARP time courses back into the folder.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def worker(folder: Path) -> None:
    """Child process (interpreter with AMICI): time AMICI and run_batch(backend="amici")."""
    import amici
    import amici.sim.sundials as asd
    from amici.sim.sundials._swig_wrappers import _get_ptr

    from refractor.models import _amici_build, run_batch
    from refractor.models._amici import _vector
    from refractor.models._integrate import MAX_STEPS
    from refractor.settings import Settings

    cfg = json.loads((folder / "config.json").read_text())
    sbml = (folder / "earm.xml").read_text()
    names, vals = cfg["names"], np.load(folder / "sets.npy")
    params = pd.DataFrame(vals, columns=names)
    ts = np.linspace(0.0, cfg["t_end"], cfg["points"])
    t0 = time.perf_counter()
    module = _amici_build.load_module(sbml, Settings.resolve().cache_dir)
    t_load = time.perf_counter() - t0
    model = module.get_model()
    model.set_parameter_list([])
    pids = list(model.get_free_parameter_ids())
    idx = [pids.index(n) for n in names]
    base = np.array(model.get_free_parameters())
    ci = list(model.get_state_ids()).index(cfg["readout"])
    nx = model.nx_rdata

    def edatas(m: object, rows: np.ndarray) -> list:
        out = []
        for row in rows:
            e = asd.ExpData(m)
            e.set_timepoints(list(ts))
            p = base.copy()
            p[idx] = row
            e.free_parameters = list(p)
            out.append(e)
        return out

    def solver(m: object, dense: bool = False) -> object:
        s = m.create_solver()
        s.set_relative_tolerance(cfg["rtol"])
        s.set_absolute_tolerance(cfg["atol"])
        s.set_max_steps(MAX_STEPS)
        if dense:
            s.set_linear_solver(asd.LinearSolver.dense)
        return s

    swig = asd.amici_swig_py
    eds = edatas(model, vals)
    solvers = {"klu": solver(model), "dense": solver(model, dense=True)}

    def raw(nt: int, kind: str = "klu", m: object = model, e: list = eds) -> tuple:
        sv = solvers[kind] if m is model else solver(m)  # keep a reference: C++ uses it
        t0, c0 = time.perf_counter(), time.process_time()
        rds = swig.run_simulations(_get_ptr(sv), swig.ExpDataPtrVector(e), _get_ptr(m), False, nt)
        course = np.array([_vector(rd.x).reshape(len(ts), nx)[:, ci] for rd in rds])
        w, c = time.perf_counter() - t0, time.process_time() - c0
        assert all(rd.status == 0 for rd in rds)
        return w, c, course

    def public(nt: int) -> tuple:
        t0, c0 = time.perf_counter(), time.process_time()
        rds = asd.run_simulations(model, solvers["klu"], eds, failfast=False, num_threads=nt)
        course = np.array([rd.x[:, ci] for rd in rds])
        return time.perf_counter() - t0, time.process_time() - c0, course

    def batch(nj: int) -> tuple:
        t0, c0 = time.perf_counter(), time.process_time()
        out = run_batch(sbml, params, t_end=cfg["t_end"], points=cfg["points"],
                        selections=[cfg["readout"]], n_jobs=nj, rtol=cfg["rtol"],
                        atol=cfg["atol"], backend="amici")
        course = out[cfg["readout"]].to_numpy().reshape(len(vals), len(ts))
        return time.perf_counter() - t0, time.process_time() - c0, course

    batch(1)  # warm (the module is loaded above)
    n_def = min(len(vals), 100)
    plain = module.get_model()  # out of the box: sensitivities for every parameter allocated
    w, c, _ = raw(1, m=plain, e=edatas(plain, vals[:n_def]))
    res: dict = {"load_s": t_load, "amici": amici.__version__, "openmp":
                 bool(asd.compiled_with_openmp()), "default_plist": [w / n_def, c / n_def]}
    runs: dict[str, list] = {k: [] for k in ("raw1", "raw2", "dense1", "public1", "rb1", "rb2")}
    keep: dict[str, np.ndarray] = {}
    for _ in range(cfg["repeats"]):
        for key, fn in (("raw1", lambda: raw(1)), ("raw2", lambda: raw(2)),
                        ("dense1", lambda: raw(1, "dense")), ("public1", lambda: public(1)),
                        ("rb1", lambda: batch(1)), ("rb2", lambda: batch(2))):
            w, c, course = fn()
            runs[key].append((w, c))
            keep[key] = course
    for key, v in runs.items():
        res[key] = [x / len(vals) for x in min(v)]
        res[key + "_all"] = [w for w, _ in v]
        np.save(folder / f"{key}.npy", keep[key])
    (folder / "result.json").write_text(json.dumps(res))


def amici_python(given: str | None) -> str | None:
    if given:
        return given
    import importlib.util

    if importlib.util.find_spec("amici") is not None:
        return sys.executable
    return os.environ.get("REFRACTOR_AMICI_PYTHON") or None


def run_amici(python: str, sbml: str, params: pd.DataFrame, a: argparse.Namespace,
              readout: str, t_end: float) -> tuple[dict, dict[str, np.ndarray], float] | None:
    """Run :func:`worker` in ``python`` on ``sbml`` and the sets; its figures, or None."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "earm.xml").write_text(sbml)
        np.save(folder / "sets.npy", params.to_numpy())
        (folder / "config.json").write_text(json.dumps(
            {"names": list(params.columns), "points": a.points, "rtol": a.rtol,
             "atol": a.atol, "repeats": a.repeats, "readout": readout, "t_end": t_end}))
        t0 = time.perf_counter()
        proc = subprocess.run([python, __file__, tmp], capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"AMICI run failed ({python}, exit {proc.returncode}):\n"
                  f"{(proc.stdout + proc.stderr)[-3000:]}")
            return None
        res = json.loads((folder / "result.json").read_text())
        courses = {k: np.load(folder / f"{k}.npy")
                   for k in ("raw1", "raw2", "dense1", "public1", "rb1", "rb2")}
    return res, courses, time.perf_counter() - t0



if __name__ == "__main__":
    worker(Path(sys.argv[1]))
