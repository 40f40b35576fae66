"""MkDocs hook: the command-line reference, rendered from the argparse definitions at build time.

Pages hold markers that this hook replaces, so the reference is written once, in the code:

    <!-- cli-reference -->          every command of engine.cli.build_parser(), in order
    <!-- cli-command: NAME -->      one command (e.g. batch)
    <!-- job-fields -->             the job JSON's fields, from engine.jobs' field table

A marker naming a command that does not exist fails the build, as a broken link does.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]  # docs/hooks/ -> the repository
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MARKER = re.compile(r"<!--\s*(cli-reference|cli-command:\s*([\w-]+)|job-fields)\s*-->")


def cell(text: object) -> str:
    """Text made safe for one Markdown table cell."""
    s = " ".join(str(text).split())
    s = s.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*")
    return s.replace("<", "&lt;").replace(">", "&gt;")


def subcommands(parser: argparse.ArgumentParser) -> list[tuple[str, str, argparse.ArgumentParser]]:
    """(name, one-line help, parser) for each sub-command, in the order they were added."""
    out = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            out += [(name, helps.get(name, ""), p) for name, p in action.choices.items()]
    return out


def describe(action: argparse.Action) -> tuple[str, str, str]:
    """(accepts, default, help) of one argument."""
    if action.choices is not None:
        accepts = ", ".join(f"`{c}`" for c in action.choices)
    elif action.nargs == 0:
        accepts = "flag"
    else:
        kind = getattr(action.type, "__name__", "str") if action.type else "str"
        known = {"int": "integer", "float": "number", "str": "text", "Path": "path"}
        accepts = known.get(kind) or (str(action.metavar) if action.metavar else "text")
        if action.nargs in ("*", "+"):
            accepts += ", several"
        if isinstance(action, argparse._AppendAction):
            accepts += ", repeatable"
    default = action.default
    if action.required:
        shown = "required"
    elif default is None or default is argparse.SUPPRESS or action.nargs == 0:
        shown = ""
    else:
        shown = f"`{default}`" if default != "" else '`""`'
    helper = argparse.HelpFormatter("lumiere-studio")
    text = helper._expand_help(action) if action.help else ""
    return accepts, shown, text


def command_section(name: str, summary: str, parser: argparse.ArgumentParser, level: int) -> str:
    lines = [f"{'#' * level} {name}", ""]
    if summary:
        lines += [cell(summary), ""]
    if parser.description:
        lines += [parser.description, ""]
    usage = parser.format_usage().removeprefix("usage: ").strip()
    lines += ["```text", usage, "```", ""]
    for group in parser._action_groups:
        rows = [
            a
            for a in group._group_actions
            if not isinstance(a, (argparse._HelpAction, argparse._SubParsersAction))
            and a.help is not argparse.SUPPRESS
        ]
        if not rows:
            continue
        lines += [f"**{group.title.capitalize() if group.title else 'Arguments'}**", ""]
        if group.description:
            lines += [group.description, ""]
        lines += ["| argument | accepts | default | what it does |", "|---|---|---|---|"]
        for a in rows:
            names = ", ".join(f"`{o}`" for o in a.option_strings) or f"`{a.metavar or a.dest}`"
            accepts, default, text = describe(a)
            lines.append(f"| {names} | {cell(accepts)} | {cell(default)} | {cell(text)} |")
        lines.append("")
    for sub_name, sub_help, sub_parser in subcommands(parser):
        lines.append(command_section(f"{name} {sub_name}", sub_help, sub_parser, level + 1))
    return "\n".join(lines)


def command_table(parser: argparse.ArgumentParser) -> str:
    lines = ["| command | what it does |", "|---|---|"]
    for name, summary, _ in subcommands(parser):
        lines.append(f"| [`{name}`](#{name}) | {cell(summary)} |")
    return "\n".join(lines) + "\n"


def global_options(parser: argparse.ArgumentParser) -> str:
    """The options of `lumiere-studio` itself (they go before the command), --help aside."""
    lines = [
        "Global options go before the command (`lumiere-studio --quiet batch ...`):",
        "",
        "| option | what it does |",
        "|---|---|",
    ]
    for a in parser._actions:
        if a.option_strings and not isinstance(a, argparse._HelpAction):
            names = ", ".join(f"`{o}`" for o in a.option_strings)
            lines.append(f"| {names} | {cell(describe(a)[2])} |")
    return "\n".join(lines) + "\n"


def cli_reference(parser: argparse.ArgumentParser) -> str:
    parts = [global_options(parser), command_table(parser)]
    parts += [command_section(n, s, p, 2) for n, s, p in subcommands(parser)]
    return "\n".join(parts)


def one_command(parser: argparse.ArgumentParser, name: str, page: str) -> str:
    for n, s, p in subcommands(parser):
        if n == name:
            return command_section(f"`lumiere-studio {n}`", s, p, 3)
    raise ValueError(f"{page}: <!-- cli-command: {name} --> names no command of build_parser()")


def job_fields() -> str:
    from engine.jobs import Job

    lines = [
        "| field | default | `generate` flag | accepts | what it is |",
        "|---|---|---|---|---|",
    ]
    for f in dataclasses.fields(Job):
        spec: Any = f.metadata.get("spec")
        default = f.default if f.default is not dataclasses.MISSING else ""
        flag = f"`{spec.flag}`" if spec is not None and spec.flag else "job files only"
        accepts = ""
        if spec is not None and spec.choices:
            accepts = ", ".join(f"`{c}`" for c in spec.choices)
        elif spec is not None and (spec.low is not None or spec.high is not None):
            low = "" if spec.low is None else f"{spec.low:g}"
            high = "" if spec.high is None else f"{spec.high:g}"
            accepts = f"{low}..{high}"
        text = spec.help if spec is not None else ""
        lines.append(f"| `{f.name}` | `{default!r}` | {flag} | {cell(accepts)} | {cell(text)} |")
    return "\n".join(lines) + "\n"


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    if "<!--" not in markdown:
        return markdown
    from engine.cli import build_parser

    parser = build_parser()

    def render(m: re.Match[str]) -> str:
        if m.group(1) == "cli-reference":
            return cli_reference(parser)
        if m.group(1) == "job-fields":
            return job_fields()
        return one_command(parser, m.group(2), page.file.src_uri)

    return MARKER.sub(render, markdown)
