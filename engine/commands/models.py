"""`lumiere-studio models`: the installed models, where they are, and their configs."""

from __future__ import annotations

import argparse
import json


def run(args: argparse.Namespace) -> int:
    from engine.checkpoints import list_models, model_search_paths

    models = list_models()
    if args.json:
        print(json.dumps([{"name": m.name, "path": str(m.path), **m.raw} for m in models],
                         indent=1))  # fmt: skip
        return 0
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


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="list installed models and their configs")
    p.add_argument("--json", action="store_true", help="print the full configs as JSON")
    p.set_defaults(func=run)
