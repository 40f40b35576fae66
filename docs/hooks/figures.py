"""MkDocs hook: the figures page, rendered at build time from the JSON the benches write.

    <!-- figures: quality -->   docs/quality.json       (python bench/quality.py)
    <!-- figures: real -->      docs/real/figures.json  (python bench/real_tasks.py)

No number on that page is typed by hand: rerun a bench, rebuild the docs, and the tables follow.
A marker whose JSON is missing or unreadable fails the build.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

MARKER = re.compile(r"<!--\s*figures:\s*(\w+)\s*-->")
SOURCES = {"quality": "quality.json", "real": "real/figures.json"}

# What the keys mean (words only; the numbers come from the files).
QUALITY_KEYS = {
    "clips": "clips",
    "prompts": "held-out prompts",
    "colour": "colour right",
    "direction": "direction right",
    "shape": "shape right",
    "held_out_clips_both_right": "held-out ground-truth clips: colour and direction right",
    "colour_paraphrased": "colour right, paraphrased half",
    "direction_paraphrased": "direction right, paraphrased half",
    "chance_colour": "colour by chance",
    "chance_direction": "direction by chance",
    "shuffled_colour": "colour right with shuffled prompts (baseline)",
    "shuffled_direction": "direction right with shuffled prompts (baseline)",
    "frame_change_generated": "mean frame-to-frame change, generated (|ΔRGB|)",
    "frame_change_truth": "mean frame-to-frame change, ground truth",
    "travel_generated": "distance travelled, generated (fraction of the frame)",
    "travel_truth": "distance travelled, ground truth",
    "psnr_frame0_output": "frame 0 of the output against the still (dB)",
    "psnr_frame0_model_mean": "the model's own frame 0 against the still, mean (dB)",
    "psnr_frame0_model_min": "the model's own frame 0 against the still, worst (dB)",
    "median_s": "median seconds per clip (model load included)",
    "min_s": "fastest (s)",
    "max_s": "slowest (s)",
}
FRACTIONS = {
    "colour",
    "direction",
    "shape",
    "held_out_clips_both_right",
    "colour_paraphrased",
    "direction_paraphrased",
    "chance_colour",
    "chance_direction",
    "shuffled_colour",
    "shuffled_direction",
}
GROUPS = {
    "detector": "The detector that reads clips back, on rendered ground truth",
    "adherence": "Prompt adherence on held-out prompts",
    "i2v": "Image to video",
    "speed": "Speed",
}
REAL_COLUMNS = {
    "size": "size (h × w)",
    "size_ok": "size as asked",
    "aspect_error": "aspect error",
    "outside_exact": "outside bit-exact",
    "change_inside": "change inside",
    "colour_worst": "colour gap, worst frame",
    "detail_min": "detail, least",
    "detail_max": "detail, most",
    "flicker": "flicker inside",
    "source_flicker": "source's flicker",
    "psnr": "PSNR (dB)",
    "frame0_psnr": "frame 0 PSNR (dB)",
    "met": "every goal met",
}


def fmt(value: Any, fraction: bool = False) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isinf(value):
            return "∞"
        if fraction:
            return f"{value * 100:.1f} %".replace(".0 %", " %")
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    if isinstance(value, list):
        return " × ".join(fmt(v) for v in value)
    return " ".join(str(value).split()).replace("|", "\\|")


def quality(data: dict[str, Any]) -> str:
    out: list[str] = []
    for group, values in data["figures"].items():
        out += [f"### {GROUPS.get(group, group)}", "", "| figure | value |", "|---|---|"]
        for key, value in values.items():
            label = fmt(QUALITY_KEYS.get(key, key.replace("_", " ")))  # escapes | in labels
            out.append(f"| {label} | {fmt(value, key in FRACTIONS)} |")
        out.append("")
    rows = data.get("rows", [])
    if rows:
        colour = sum(r["got_colour"] == r["colour"] for r in rows)
        direction = sum(r["got_direction"] == r["motion"] for r in rows)
        para = [r for r in rows if r["paraphrase"]]
        out += [
            "### Every held-out prompt",
            "",
            f"{len(rows)} prompts ({len(para)} paraphrased): colour right in {colour}, "
            f"direction right in {direction}.",
            "",
            "| prompt | paraphrased | colour asked / read | direction asked / read "
            "| travel (truth) | frame change (truth) |",
            "|---|---|---|---|---|---|",
        ]
        for r in rows:
            out.append(
                f"| {fmt(r['prompt'])} | {fmt(r['paraphrase'])} "
                f"| {r['colour']} / {r['got_colour']} | {r['motion']} / {r['got_direction']} "
                f"| {fmt(r['travel'])} ({fmt(r['truth_travel'])}) "
                f"| {fmt(r['change'])} ({fmt(r['truth_change'])}) |"
            )
        out.append("")
    return "\n".join(out)


def real(data: dict[str, Any]) -> str:
    out = [f"Model `{data['model']}`, {data['steps']} denoising steps.", ""]
    for task, per_input in data["tasks"].items():
        keys = [k for k in REAL_COLUMNS if any(k in r for r in per_input.values())]
        met = sum(bool(r.get("met")) for r in per_input.values())
        out += [
            f"### {task}",
            "",
            f"Every goal met on {met} of {len(per_input)} inputs.",
            "",
            "| input | " + " | ".join(REAL_COLUMNS[k] for k in keys) + " |",
            "|---" * (len(keys) + 1) + "|",
        ]
        for name, r in per_input.items():
            out.append(f"| {name} | " + " | ".join(fmt(r.get(k, "")) for k in keys) + " |")
        out.append("")
    if "seconds" in data:
        out += ["### Time per task (model loaded)", "", "| task | input | median s | runs |"]
        out.append("|---|---|---|---|")
        for task, t in data["seconds"].items():
            out.append(f"| {task} | {t['input']} | {fmt(t['median'])} | {len(t['runs'])} |")
        out.append("")
    if "inpaint_1280x720_memory" in data:
        m = data["inpaint_1280x720_memory"]
        out += [
            "### Memory of a 1280×720 inpaint (fresh process)",
            "",
            "| after loading the model (MiB) | peak (MiB) |",
            "|---|---|",
            f"| {fmt(m['loaded_mib'])} | {fmt(m['peak_mib'])} |",
            "",
        ]
    if "two_regions" in data:
        out += ["### Two regions: one box each or one around both", ""]
        out += ["| boxes | seconds | detail against the ring | boxes drawn |", "|---|---|---|---|"]
        for way, r in data["two_regions"].items():
            out.append(
                f"| {way} | {fmt(r['seconds'])} | {fmt(r['detail_vs_ring'])} | {fmt(r['boxes'])} |"
            )
        out.append("")
    return "\n".join(out)


RENDER = {"quality": quality, "real": real}


def on_page_markdown(markdown: str, page: Any, config: Any, **_: Any) -> str:
    def render(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in SOURCES:
            raise ValueError(f"{page.file.src_uri}: unknown figures marker {name!r}")
        path = Path(config["docs_dir"]) / SOURCES[name]
        data = json.loads(path.read_text())  # a missing file fails the build
        return RENDER[name](data)

    return MARKER.sub(render, markdown)
