"""A large, realistic corpus for measuring kg at scale: N paper records as JSON Lines.

usage: python benchmarks/make_corpus.py N OUT.jsonl [--seed S] [--corpus DIR]

How a paper is made (everything driven by one seed, so a size is the same file every time):

* **Its prose** is 4-7 sentences drawn from the shared corpus's abstracts
  (``../shared/corpus/hf-papers``, read with kg's own HF-page source and split into sentences),
  so the words, sentence lengths and the real concepts they mention are a real field's.
  The output stays outside the repository: it is benchmark input, not project data.
* **Its own concepts** come from vocabularies that grow like a literature's. Each of methods,
  datasets and tasks is a Pitman-Yor process: a paper reuses an existing name with probability
  proportional to (uses - discount), else coins a new one. That gives Zipf-like reuse (a few
  names in thousands of papers, most in one or two) and Heaps-like growth (new names keep
  appearing at every size). Most papers also propose a method of their own, as real ones do:
  with seed 0, about 1.5k method names at 1k papers, 14k at 10k and 131k at 100k (the most
  used one in 194 papers), and dataset names grow from 0.5k to 1.9k to 6.1k.
* **New names** are built from invented syllables and common head nouns ("Velorian Sparse
  Routing Transformer", "Quandexa-QA"), so no list kg ships knows them, and each method has an
  acronym that the paper defines at first use ("... Transformer (VSRT)").
* **Framing sentences** written for this script state the contribution, the evaluation (two
  or three datasets, a metric with a value) and, for a third of papers, a GitHub link.
* **Metadata**: an arXiv-style id (unique), a date that grows denser towards recent years, and
  two to six invented author names.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

from kg.sources import read_papers

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "hf-papers"

ONSETS = ["b", "br", "c", "d", "dr", "f", "g", "gl", "k", "l", "m", "n", "p", "pr", "qu", "r",
          "s", "st", "t", "tr", "v", "z", "x", "h", "j", "sk"]
VOWELS = ["a", "e", "i", "o", "u", "ae", "io", "ou", "y"]
CODAS = ["", "", "n", "r", "l", "x", "s", "th", "nd", "m", "k"]

METHOD_MODIFIERS = ["Sparse", "Adaptive", "Hierarchical", "Contrastive", "Masked", "Recurrent",
                    "Latent", "Gated", "Causal", "Multi-Scale", "Residual", "Diffusion", "Graph",
                    "Low-Rank", "Mixture-of-Experts", "Self-Supervised", "Retrieval-Augmented",
                    "Quantized", "Equivariant", "Probabilistic"]
METHOD_HEADS = ["Transformer", "Autoencoder", "Attention", "Network", "Policy Optimization",
                "Distillation", "Tokenizer", "Encoder", "Decoder", "Reward Model", "Adapter",
                "Routing", "Pooling Layer", "Sampler", "Planner", "Memory"]
DATASET_SUFFIXES = ["Bench", "-QA", "-1K", "Set", "-Eval", "-10M", "Corpus", "-Instruct", "-V2", "-Hard"]
TASK_HEADS = ["question answering", "segmentation", "retrieval", "summarization", "captioning",
              "forecasting", "reasoning", "generation", "detection", "planning", "translation"]
METRICS = [("accuracy", "%"), ("F1", ""), ("BLEU", ""), ("FID", ""), ("top-1 accuracy", "%"),
           ("pass@1", "%"), ("word error rate", "%"), ("mIoU", ""), ("AUC", ""), ("perplexity", "")]

CONTRIBUTION = [
    "We propose {full} ({acr}), a new {head_lower} for {task}.",
    "In this paper we introduce {full} ({acr}) to address {task}.",
    "We present {full} ({acr}), which builds on {used} and improves {task}.",
]
EVALUATION = [
    "Experiments on {d1}, {d2} and {d3} show that {acr} reaches {value}{unit} {metric}, ahead of {used}.",
    "On {d1} and {d2}, {acr} improves {metric} by {gain} points over {used}.",
    "We evaluate {acr} on {d1}, where it achieves {value}{unit} {metric}.",
]
CODE = ["Code is available at https://github.com/{owner}/{repo}.",
        "Our code and models are released at https://github.com/{owner}/{repo}."]


class GrowingVocabulary:
    """Names drawn from a Pitman-Yor process: Zipf-like reuse, new names at every size."""

    def __init__(self, rng: random.Random, coin, discount: float, concentration: float) -> None:
        self.rng, self.coin = rng, coin
        self.discount, self.concentration = discount, concentration
        self.names: list[str] = []
        self.uses: list[int] = []
        self._taken: set[str] = set()
        self._tickets: list[int] = []  # one entry per use: the name's index

    def draw(self, new: bool = False) -> str:
        """A name: an existing one in proportion to its uses, or a new one (always if ``new``)."""
        new_weight = self.concentration + self.discount * len(self.names)
        if new or not self.names or self.rng.random() * (len(self._tickets) + self.concentration) < new_weight:
            name = self.coin()
            while name in self._taken:
                name = self.coin()
            self._taken.add(name)
            self.names.append(name)
            self.uses.append(0)
            index = len(self.names) - 1
        else:
            # a uniform pick among all past uses picks a name in proportion to its uses;
            # accepting it with probability (uses - discount) / uses gives Pitman-Yor reuse, O(1)
            while True:
                index = self._tickets[self.rng.randrange(len(self._tickets))]
                if self.rng.random() * self.uses[index] >= self.discount:
                    break
        self.uses[index] += 1
        self._tickets.append(index)
        return self.names[index]


def syllables(rng: random.Random, low: int, high: int) -> str:
    return "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS)
                   for _ in range(rng.randint(low, high)))


def corpus_sentences(corpus: Path) -> list[str]:
    """Sentences of the shared corpus's abstracts, without links (papers get their own)."""
    sentences: list[str] = []
    for paper in read_papers([corpus]).papers:
        for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z])", paper.abstract or ""):
            sentence = sentence.strip()
            if 30 <= len(sentence) <= 400 and "http" not in sentence and "github" not in sentence.lower():
                sentences.append(sentence)
    if not sentences:
        sys.exit(f"no sentences found in {corpus}")
    return sentences


def make_corpus(n_papers: int, corpus: Path, seed: int = 0):
    """Yield ``n_papers`` JSON records (dicts), deterministic for a seed."""
    rng = random.Random(seed)
    sentences = corpus_sentences(corpus)

    def coin_method() -> str:
        return " ".join([syllables(rng, 2, 3).capitalize(), rng.choice(METHOD_MODIFIERS), rng.choice(METHOD_HEADS)])

    def coin_dataset() -> str:
        return syllables(rng, 2, 3).capitalize() + rng.choice(DATASET_SUFFIXES)

    def coin_task() -> str:
        return f"{syllables(rng, 1, 2)} {rng.choice(TASK_HEADS)}"

    methods = GrowingVocabulary(rng, coin_method, discount=0.6, concentration=200.0)
    datasets = GrowingVocabulary(rng, coin_dataset, discount=0.5, concentration=40.0)
    tasks = GrowingVocabulary(rng, coin_task, discount=0.5, concentration=30.0)
    authors = GrowingVocabulary(
        rng, lambda: f"{syllables(rng, 1, 2).capitalize()} {syllables(rng, 2, 3).capitalize()}",
        discount=0.3, concentration=2000.0)
    first_year, last_year = 2016, 2026
    numbers: dict[tuple[int, int], int] = {}

    def next_number(year: int, month: int) -> int:
        # arXiv numbers count up within a month; five digits hold 100k papers a month
        numbers[year, month] = numbers.get((year, month), 0) + 1
        return numbers[year, month]

    titles: set[str] = set()
    for _ in range(n_papers):
        # most papers name a method of their own; some build on one that exists
        full = methods.draw(new=rng.random() < 0.85)
        acr = "".join(word[0] for word in re.split(r"[\s-]+", full) if word).upper()
        used = methods.draw()
        task = tasks.draw()
        while f"{full}: {task.capitalize()} with {used}" in titles:
            task = tasks.draw()
        titles.add(f"{full}: {task.capitalize()} with {used}")
        d1, d2, d3 = datasets.draw(), datasets.draw(), datasets.draw()
        metric, unit = rng.choice(METRICS)
        fields = {
            "full": full, "acr": acr, "used": used, "task": task, "d1": d1, "d2": d2, "d3": d3,
            "head_lower": full.split(" ", 2)[-1].lower(), "metric": metric, "unit": unit,
            "value": f"{rng.uniform(20, 95):.1f}", "gain": f"{rng.uniform(0.3, 9):.1f}",
            "owner": syllables(rng, 2, 3), "repo": acr.lower(),
        }
        body = rng.sample(sentences, rng.randint(4, 7))
        body.insert(rng.randint(0, 1), rng.choice(CONTRIBUTION).format(**fields))
        body.append(rng.choice(EVALUATION).format(**fields))
        if rng.random() < 0.33:
            body.append(rng.choice(CODE).format(**fields))
        # later years hold more papers, as arXiv's growth does
        year = first_year + int((last_year - first_year + 1) * rng.random() ** 0.6)
        year = min(year, last_year)
        month = rng.randint(1, 12)
        yield {
            "arxiv_id": f"{year % 100:02d}{month:02d}.{next_number(year, month):05d}",
            "title": f"{full}: {task.capitalize()} with {used}",
            "abstract": " ".join(body),
            "published": f"{year}-{month:02d}-{rng.randint(1, 28):02d}",
            "authors": sorted({authors.draw() for _ in range(rng.randint(2, 6))}),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("papers", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    words = 0
    with args.out.open("w", encoding="utf-8") as handle:
        for record in make_corpus(args.papers, args.corpus, args.seed):
            words += len(record["title"].split()) + len(record["abstract"].split())
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"wrote {args.papers} papers ({words} words) to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
