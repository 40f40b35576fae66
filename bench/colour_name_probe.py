"""How much does the frozen text encoder itself say about colour names it was never trained on?

A ceiling for the paraphrased half of `bench/quality.py`: a linear classifier is fitted on the
encoder's output for prompts with the training grammar's colour names and scored on prompts with
the evaluation's held-out names (EVAL_COLOUR_WORDS, e.g. "sapphire", "jade"). A diffusion
model reads the same features, so a name the probe cannot place is one the model can only guess.
Two features: the pooled sentence vector, and the colour word's own token states. Two
vocabularies: the default three names a colour and `--wide-colours` (eight). `--layers` also
probes every layer of the encoder (standardised features), in case an earlier layer kept more
of what a word means than the sentence-similarity-tuned output does.

    python bench/colour_name_probe.py [--model DIR | --encoder DIR] [--contexts 6] [--layers]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from engine.checkpoints import find_model, read_model_info
from engine.text import PromptEmbedding, TextEncoder, resolve_text_encoder
from engine.train.procedural import (
    COLOUR_WORDS,
    EVAL_COLOUR_WORDS,
    MOTION_WORDS,
    SHAPE_WORDS,
    WIDE_COLOUR_WORDS,
)

COLOUR_NAMES = list(COLOUR_WORDS)


def prompts_for(vocab: dict[str, list[str]], contexts: int, seed: int):
    """(prompt, colour name, colour index) with each name in `contexts` random sentences."""
    rng = np.random.default_rng(seed)
    shapes = [w for ws in SHAPE_WORDS.values() for w in ws]
    motions = [w for ws in MOTION_WORDS.values() for w in ws]
    for colour, names in vocab.items():
        for name in names:
            for _ in range(contexts):
                prompt = f"a {name} {rng.choice(shapes)} {rng.choice(motions)}"
                yield prompt, name, COLOUR_NAMES.index(colour)


def layer_embeddings(text: TextEncoder, prompts: list[str], layer: int) -> list[PromptEmbedding]:
    """The states of one layer of the encoder (0 = token embeddings), as PromptEmbeddings."""
    tokens = text.tokenizer(prompts, padding=True, return_tensors="pt")
    with torch.no_grad():
        states = text.model(**tokens, output_hidden_states=True).hidden_states[layer]
    mask = tokens["attention_mask"].float()
    pooled = (states * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
    return [PromptEmbedding(states[i], mask[i], pooled[i]) for i in range(len(prompts))]


def features(text: TextEncoder, vocab, contexts: int, seed: int, kind: str, layer: int | None):
    rows = list(prompts_for(vocab, contexts, seed))
    prompts = [p for p, _, _ in rows]
    embeddings = text.encode(prompts) if layer is None else layer_embeddings(text, prompts, layer)

    def name_states(e: PromptEmbedding, name: str) -> torch.Tensor:
        # Token 0 is [CLS], token 1 is "a"; the colour name's pieces follow.
        k = len(text.tokenizer(name, add_special_tokens=False)["input_ids"])
        return e.states[2 : 2 + k].mean(0)

    pick: Callable = (lambda e, _: e.pooled) if kind == "pooled" else name_states
    x = torch.stack([pick(e, name) for e, (_, name, _) in zip(embeddings, rows, strict=True)])
    y = torch.tensor([c for _, _, c in rows])
    return x, y, [name for _, name, _ in rows]


def fit_linear(x: torch.Tensor, y: torch.Tensor, steps: int = 500) -> Callable:
    torch.manual_seed(0)
    w = torch.zeros(x.shape[1], len(COLOUR_NAMES), requires_grad=True)
    b = torch.zeros(len(COLOUR_NAMES), requires_grad=True)
    opt = torch.optim.Adam([w, b], lr=1e-2)
    for _ in range(steps):
        loss = torch.nn.functional.cross_entropy(x @ w + b, y) + 1e-3 * (w**2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return lambda z: (z @ w + b).argmax(1)


def layer_score(text: TextEncoder, vocab, contexts: int, kind: str, layer: int) -> float:
    x, y, _ = features(text, vocab, contexts, 0, kind, layer)
    xt, yt, _ = features(text, EVAL_COLOUR_WORDS, contexts, 1, kind, layer)
    mean, std = x.mean(0), x.std(0) + 1e-6  # layers differ in scale
    classify = fit_linear((x - mean) / std, y)
    with torch.no_grad():
        return float((classify((xt - mean) / std) == yt).float().mean())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default=None, help="model folder or name (default: bundled)")
    p.add_argument("--contexts", type=int, default=6, help="sentences per colour name")
    p.add_argument(
        "--encoder", default=None, help="a text encoder folder to probe instead of the model's own"
    )
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--layers", action="store_true", help="also probe each encoder layer")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.encoder:
        text = TextEncoder(Path(args.encoder))
    else:
        info = read_model_info(find_model(args.model))
        text = TextEncoder(resolve_text_encoder(info.text_encoder, info.path))
    print(f"encoder: {text.folder.name} ({text.dim}-d)")
    print("linear probe, trained on the training names, scored on the held-out names:")
    for kind in ("pooled", "name tokens"):
        for label, vocab in (("3 names", COLOUR_WORDS), ("8 names", WIDE_COLOUR_WORDS)):
            x, y, _ = features(text, vocab, args.contexts, 0, kind, None)
            xt, yt, names = features(text, EVAL_COLOUR_WORDS, args.contexts, 1, kind, None)
            classify = fit_linear(x, y)
            with torch.no_grad():
                right = (classify(xt) == yt).tolist()
            by_name: dict[str, list[bool]] = {}
            for name, ok in zip(names, right, strict=True):
                by_name.setdefault(name, []).append(ok)
            missed = [n for n, oks in by_name.items() if sum(oks) * 2 < len(oks)]
            print(
                f"  {kind:12s} {label:8s} {np.mean(right):5.0%}   mostly wrong: {', '.join(missed)}"
            )
    if args.layers:
        layers = int(text.model.config.num_hidden_layers)
        print("each layer (0 = token embeddings), standardised features, 3 / 8 names:")
        for kind in ("pooled", "name tokens"):
            for layer in range(layers + 1):
                scores = [
                    layer_score(text, vocab, args.contexts, kind, layer)
                    for vocab in (COLOUR_WORDS, WIDE_COLOUR_WORDS)
                ]
                print(f"  {kind:12s} layer {layer}  {scores[0]:5.0%} {scores[1]:5.0%}")


if __name__ == "__main__":
    main()
