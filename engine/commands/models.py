"""`lumiere-studio models`: the installed models, where they are, and their configs."""

from __future__ import annotations

import argparse
import json


def run(args: argparse.Namespace) -> int:
    from engine.checkpoints import model_search_paths, scan_models

    models, broken = scan_models()
    if args.json:
        good = [{"name": m.name, "path": str(m.path), **m.raw} for m in models]
        bad = [{"name": b.name, "path": str(b.path), "broken": b.reason} for b in broken]
        print(json.dumps(good + bad, indent=1))
        return 0
    for b in broken:  # listed, not hidden: the user sees which folder to fix and why
        print(f"{b.name}: BROKEN, not usable ({b.path}): {b.reason}")
    if not models:
        paths = ", ".join(str(p) for p in model_search_paths())
        print(f"no models found (searched: {paths})")
        return 1
    for m in models:
        print(m.summary())
        for stage_name, stage in (("base", m.base), ("ssr", m.ssr)):
            if stage is None:
                continue
            c = stage.config
            print(
                f"  {stage_name}: channels {list(c.channels)}, "
                f"temporal down {list(c.temporal_down)},"
                f" {stage.schedule.prediction}-prediction, "
                f"{stage.extra.get('trained_steps', '?')} training steps"
            )
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("models", help="list installed models and their configs")
    p.add_argument("--json", action="store_true", help="print the full configs as JSON")
    p.set_defaults(func=run)
