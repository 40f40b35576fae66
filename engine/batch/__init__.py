"""Batch rendering: many jobs from a JSONL file or a sweep, on local worker processes or a Ray
cluster, with a results log that makes an interrupted batch resumable.

jobfile.py (reading jobs, naming outputs), sweep.py (parameter sweeps), task.py (what a pool
is handed and gives back), results.py (results.jsonl), local.py / ray_pool.py (where jobs run:
each job through engine/run.py, the one run path), runner.py (the loop: skip finished,
dispatch, retry once, log)."""
