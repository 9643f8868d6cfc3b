"""Virtual-cohort benchmark (issue 13): 100,000 patients x 3 lines on this machine.

One command::

    python benchmarks/bench_cohort.py [--n 100000] [--ref-n 1000] [--scenario nd-rd-crbn-evolution]

Each configuration runs in a fresh process (its peak memory is its own):

1. local executor, 1 worker; 2. local executor, 2 workers (per-core scaling);
3. Dask ``LocalCluster`` (2 worker processes, started by the benchmark) - overhead vs 2.

Each configuration times the simulation alone, then the same run writing the same outputs as ``refractor cohort run`` (events and monthly trajectories as
Parquet, summary JSON, HTML) into a temporary folder. The events of the three runs must be
identical. Then the plain per-patient reference implementation of the same model
(``refractor.cohort._reference``: a Python loop over patients and time steps) replays the first
``--ref-n`` patients of the first block with the same random draws; its results must equal the
vectorised engine's, and its time per patient gives the speed ratio (extrapolated to --n).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def child(mode: str, n: int, scenario: str, out: str) -> None:
    from refractor.cohort import DaskExecutor, LocalExecutor, run_scenario
    from refractor.kb import KnowledgeBase

    kb = KnowledgeBase.load()
    t0 = time.perf_counter()
    if mode == "dask":
        t_start = time.perf_counter()
        ex = DaskExecutor(workers=2, processes=True)
        startup = time.perf_counter() - t_start
    else:
        ex, startup = LocalExecutor(int(mode)), 0.0
    try:
        t1 = time.perf_counter()
        run = run_scenario(scenario, kb, ex, n_per_arm=n, trajectories=False)  # simulation only
        sim = time.perf_counter() - t1
        t2 = time.perf_counter()
        run_scenario(scenario, kb, ex, n_per_arm=n, out=out)  # the same run writing every output
        full = time.perf_counter() - t2
    finally:
        ex.close()
    wall = time.perf_counter() - t0
    ev = run.events.sort_values(["patient", "line"])
    import hashlib

    digest = hashlib.sha256(ev.drop(columns=["carried_at_progression"]).to_csv(index=False).encode()).hexdigest()
    rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(json.dumps({"mode": mode, "wall_s": wall, "run_s": sim, "with_outputs_s": full, "startup_s": startup,
                      "peak_rss_mb": rss / 1024, "events": len(ev), "digest": digest,
                      "lines_started": run.events.groupby("line_index").size().to_dict()}))


def reference(n: int, ref_n: int, scenario: str) -> dict:
    import numpy as np

    from refractor.cohort import bundled_scenario, default_params
    from refractor.cohort._engine import simulate_block
    from refractor.cohort._plan import arm_plans
    from refractor.cohort._population import BLOCK, Draws, block_draws
    from refractor.cohort._reference import simulate_reference
    from refractor.kb import KnowledgeBase

    kb = KnowledgeBase.load()
    sc = bundled_scenario(scenario, kb)
    plan = arm_plans(sc, kb, default_params(kb))[0]
    d = block_draws(sc.seed, (0, 0, 0), BLOCK, len(plan.agents), len(plan.mechanisms), len(plan.lines),
                    len(plan.classes), len(plan.cov_fraction))
    t = time.perf_counter()
    vec = simulate_block(plan, d)
    t_vec = time.perf_counter() - t
    sub = Draws(**{k: v[:ref_n] for k, v in vars(d).items()})
    t = time.perf_counter()
    ref = simulate_reference(plan, sub)
    t_ref = time.perf_counter() - t
    same = all(np.array_equal(getattr(vec, f)[:ref_n], getattr(ref, f), equal_nan=True)
               for f in ("started", "start_t", "end_t", "progressed", "responded", "nadir", "carried", "os_t", "died"))
    return {"ref_patients": ref_n, "ref_s": t_ref, "ref_s_per_patient": t_ref / ref_n,
            "vec_block_s": t_vec, "vec_s_per_patient_one_block": t_vec / BLOCK,
            "identical": bool(same), "ref_extrapolated_s": t_ref / ref_n * n}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--ref-n", type=int, default=1000)
    ap.add_argument("--scenario", default="nd-rd-crbn-evolution")
    ap.add_argument("--child", default=None)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    if a.child:
        child(a.child, a.n, a.scenario, a.out)
        return 0
    print(f"cohort benchmark: {a.n:,} patients x 3 lines ({a.scenario}), {os.cpu_count()} cores")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("1", "2", "dask"):
            out = Path(tmp) / mode
            cmd = [sys.executable, __file__, "--child", mode, "--n", str(a.n), "--scenario", a.scenario, "--out", str(out)]
            r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
            results[mode] = r
            print(f"  {('local, 1 worker' if mode == '1' else 'local, 2 workers' if mode == '2' else 'Dask LocalCluster, 2 workers'):<30}"
                  f" simulation {r['run_s']:5.1f} s, with Parquet/JSON/HTML outputs {r['with_outputs_s']:5.1f} s,"
                  f" cluster start {r['startup_s']:.1f} s,"
                  f" peak RSS {r['peak_rss_mb']:7.0f} MB, lines started {r['lines_started']}")
    same = len({r["digest"] for r in results.values()}) == 1
    ref = reference(a.n, a.ref_n, a.scenario)
    one, two, dask = results["1"], results["2"], results["dask"]
    summary = {
        "patients": a.n, "identical_across_executors": same,
        "scaling_1_to_2_workers": one["run_s"] / two["run_s"],
        "dask_overhead_vs_local_2_s": dask["run_s"] + dask["startup_s"] - two["run_s"],
        "reference": ref,
        "speedup_vs_per_patient_reference": ref["ref_extrapolated_s"] / one["run_s"],
        "runs": results,
    }
    print(f"  identical events for 1 worker, 2 workers and Dask: {same}")
    print(f"  per-core scaling 1 -> 2 workers: {summary['scaling_1_to_2_workers']:.2f}x")
    print(f"  Dask LocalCluster overhead vs local processes (start + simulation): {summary['dask_overhead_vs_local_2_s']:+.1f} s")
    print(f"  machine load average at the end: {os.getloadavg()[0]:.1f} (2 cores are shared; timings are noisy)")
    print(f"  per-patient reference: {ref['ref_s_per_patient'] * 1e3:.2f} ms/patient on {ref['ref_patients']} patients,"
          f" identical to the vectorised engine: {ref['identical']}")
    print(f"  extrapolated reference for {a.n:,} patients: {ref['ref_extrapolated_s']:.0f} s;"
          f" vectorised (1 worker) {one['run_s']:.1f} s -> {summary['speedup_vs_per_patient_reference']:.0f}x")
    print(json.dumps(summary))
    return 0 if same and ref["identical"] else 1


if __name__ == "__main__":
    sys.exit(main())
