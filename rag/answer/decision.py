"""The calibrated answer decision: one logistic regression over the evidence score and the
reading signals, fitted by ``eval/fit_decision.py`` on the reading training half and half of
the calibration set (never on eval/questions.jsonl); its coefficients live in
``decision.json`` beside this module."""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.text.focus import ANSWER_TYPES

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
    # what the question is: how many names and key words it gives, and its answer type (the
    # base rate of an answer differs by type: a corpus states reasons more often than sums)
    "names_asked",
    "keys_asked",
    *(f"type_{t.replace('/', '_')}" for t in ANSWER_TYPES),
    # the rule decision (score against the floor, reading's verdict): the model learns how far
    # to trust it and ranks the questions within each status by the signals
    "rule_answered",
    "rule_partial",
)


@dataclass(frozen=True, slots=True)
class Decision:
    """p(the evidence answers the question) = sigmoid(intercept + sum coef * feature)."""

    coef: dict[str, float]
    intercept: float
    threshold: float

    def probability(self, features: dict[str, float]) -> float:
        z = self.intercept + sum(w * features.get(k, 0.0) for k, w in self.coef.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_dict(self) -> dict[str, Any]:
        return {"coef": self.coef, "intercept": self.intercept, "threshold": self.threshold}


@functools.cache
def load_decision(path: Path = FILE) -> Decision | None:
    """The fitted decision, or None before one is fitted (the evidence score alone decides)."""
    if not path.is_file():
        return None
    d = json.loads(path.read_text(encoding="utf-8"))
    return Decision(
        {k: float(v) for k, v in d["coef"].items()}, float(d["intercept"]), float(d["threshold"])
    )
