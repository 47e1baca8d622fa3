"""The corpus of real log excerpts is well formed, and the rules keep the accuracy they reached on it.

The floors are the numbers `bench/classify_corpus.py` measured when the rules were last changed; a
change that loses a verdict on real logs fails here (raise a floor when the rules improve)."""

from __future__ import annotations

from collections import Counter

import pytest
from log_corpus import CORPUS, SPLITS, judge_corpus, load_corpus

from harness.outcomes import RANK, READY, UNKNOWN

FLOORS = {"tune": 0.98, "heldout": 0.96}
MAX_FALSE_READY = {"tune": 2, "heldout": 0}


def test_every_excerpt_has_a_file_a_source_and_a_known_outcome() -> None:
    corpus = load_corpus()
    assert len(corpus) >= 200
    assert len({e.file for e in corpus}) == len(corpus)
    for excerpt in corpus:
        assert (CORPUS / excerpt.file).is_file(), excerpt.file
        assert excerpt.source.startswith("https://"), excerpt.file
        assert excerpt.expected in (*RANK, READY, UNKNOWN), excerpt.file
        assert excerpt.split in SPLITS
    held_out = sum(1 for e in corpus if e.split == "heldout")
    assert held_out >= 30, "a held-out split too small to measure anything"
    held_out_sources = {e.source for e in corpus if e.split == "heldout"}
    assert not held_out_sources & {e.source for e in corpus if e.split == "tune"}
    assert len(Counter(e.expected for e in corpus if e.split == "heldout")) >= 8, (
        "a held-out split that misses outcomes"
    )


@pytest.mark.parametrize("split", SPLITS)
def test_accuracy_on_real_logs_does_not_fall(split: str) -> None:
    judged = [e for e in judge_corpus() if e.split == split]
    right = sum(e.got == e.expected for e in judged)
    false_ready = [e.file for e in judged if e.got == READY and e.expected != READY]
    assert right / len(judged) >= FLOORS[split], f"{right}/{len(judged)}"
    assert len(false_ready) <= MAX_FALSE_READY[split], false_ready
