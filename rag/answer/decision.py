"""The calibrated answer decision: gradient-boosted shallow trees over the evidence score, the
reading signals and the rule decision's status, fitted by ``eval/fit_decision.py`` on the
reading training halves and half of the calibration set (never on eval/questions.jsonl); the
trees live in ``decision.json`` beside this module and are read here without scikit-learn."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FILE = Path(__file__).with_name("decision.json")
FEATURES = (
    "score",
    "answers",
    "related",
    "unknown_names",
    "focus",
    "value_with_focus",
    "names",
    "clash_top",
    "content_top",
    "answers_rank",
    "typed_gap",
    "top_sentence",
    "margin",
    "value_near",
    "value_own",
    "content_max",
    "focus_top",
    "answering",
    "relating",
    # what the question gives: how many names and key words
    "names_asked",
    "keys_asked",
    # the rule decision (score against the floor, reading's verdict): the model learns how far
    # to trust it and ranks the questions within each status by the signals
    "rule_answered",
    "rule_partial",
)


@dataclass(frozen=True, slots=True)
class Tree:
    """One regression tree as parallel arrays (sklearn's layout); a leaf has feature -1."""

    feature: tuple[int, ...]
    threshold: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    value: tuple[float, ...]

    def output(self, x: Sequence[float]) -> float:
        node = 0
        while (f := self.feature[node]) >= 0:
            node = self.left[node] if x[f] <= self.threshold[node] else self.right[node]
        return self.value[node]

    def to_dict(self) -> dict[str, list[Any]]:
        keys = ("feature", "threshold", "left", "right", "value")
        return {k: list(getattr(self, k)) for k in keys}


@dataclass(frozen=True, slots=True)
class Decision:
    """p(the evidence answers the question) = sigmoid(init + rate * sum of the trees' outputs).
    Trees, not a linear model: the rule decision's status and the score interact (a partial
    with a high score is another case than an answer with one), and on a fresh batch of
    questions the trees ranked better (README, "Reading the question")."""

    features: tuple[str, ...]
    init: float
    rate: float
    trees: tuple[Tree, ...]
    threshold: float
    # where the trees overrule the rule decision ("checked"): a refusal by score rated at or
    # above ``rescue`` is answered, an answer rated below ``veto`` is not (no-ops by default)
    veto: float = 0.0
    rescue: float = 2.0

    def probability(self, features: dict[str, float]) -> float:
        x = [features.get(k, 0.0) for k in self.features]
        z = self.init + self.rate * sum(t.output(x) for t in self.trees)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "init": self.init,
            "rate": self.rate,
            "threshold": self.threshold,
            "veto": self.veto,
            "rescue": self.rescue,
            "trees": [t.to_dict() for t in self.trees],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Decision:
        trees = tuple(
            Tree(
                tuple(int(v) for v in t["feature"]),
                tuple(float(v) for v in t["threshold"]),
                tuple(int(v) for v in t["left"]),
                tuple(int(v) for v in t["right"]),
                tuple(float(v) for v in t["value"]),
            )
            for t in d["trees"]
        )
        return cls(
            tuple(d["features"]),
            float(d["init"]),
            float(d["rate"]),
            trees,
            float(d["threshold"]),
            float(d.get("veto", 0.0)),
            float(d.get("rescue", 2.0)),
        )


@functools.cache
def load_decision(path: Path = FILE) -> Decision | None:
    """The fitted decision, or None before one is fitted (the evidence score alone decides)."""
    if not path.is_file():
        return None
    return Decision.from_dict(json.loads(path.read_text(encoding="utf-8")))
