"""Where the fitted trees may overrule the rule decision (``RAG_ANSWER__DECISION=checked``):
the veto and rescue probabilities, chosen on cross-validated probabilities of the training
rows (eval/fit_decision.py), never on eval/questions.jsonl or a held-out half.

A refusal by score that the trees rate at least ``rescue`` is answered; an answer they rate
below ``veto`` is not. The pair kept is the one that leaves the most not-answerable questions
unanswered while refusing, and answering in part, no more answerable ones than the rule
decision does; ties go to the fewer answerable questions not answered in full, then to the
higher rescue and the lower veto (the smaller change)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from rag import Engine
from rag.answer.evidence import Evidence
from rag.answer.status import checked_status

RESCUES = (0.5, 0.6, 0.7, 0.8, 0.9)
VETOES = (0.0, 0.1, 0.2, 0.3)


@dataclass(frozen=True)
class Statuses:
    """Per training row: the rule decision's status, whether it was refused outright (a name
    the corpus never uses, no evidence), and the status when judged weak or strong."""

    rule: np.ndarray
    refused: np.ndarray
    weak: np.ndarray
    strong: np.ndarray


def statuses(engine: Engine, evidence: list[Evidence]) -> Statuses:
    decider = engine.snapshot.answerer.decider
    found = [decider.alternatives(ev) for ev in evidence]
    rule, refused, weak, strong = (np.array(col) for col in zip(*found, strict=True))
    return Statuses(rule, refused, weak, strong)


def checked(s: Statuses, p: np.ndarray, veto: float, rescue: float) -> np.ndarray:
    """The statuses the checked decision gives (rag.answer.status.checked_status; a question
    refused outright stays refused)."""
    return np.array(
        [
            rule if refused else checked_status(rule, float(pi), veto, rescue, weak, strong)
            for rule, refused, pi, weak, strong in zip(
                s.rule, s.refused, p, s.weak, s.strong, strict=True
            )
        ]
    )


def outcome(status: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Not-answerable questions not answered; answerable ones refused, and not answered in
    full (partial or refused)."""
    return {
        "not_answered": float(np.mean(status[y == 0] != "answered")),
        "refused": float(np.mean(status[y == 1] == "unanswerable")),
        "not_in_full": float(np.mean(status[y == 1] != "answered")),
    }


def choose(s: Statuses, p: np.ndarray, y: np.ndarray) -> tuple[float, float, dict[str, Any]]:
    """(veto, rescue) as the module's docstring says, with the rule's and the pair's outcome."""
    base = outcome(s.rule, y)
    best: tuple[tuple[float, ...], float, float, dict[str, float]] | None = None
    for rescue in RESCUES:
        for veto in VETOES:
            o = outcome(checked(s, p, veto, rescue), y)
            if o["refused"] > base["refused"] or o["not_in_full"] > base["not_in_full"]:
                continue
            key = (o["not_answered"], -o["not_in_full"], rescue, -veto)
            if best is None or key > best[0]:
                best = (key, veto, rescue, o)
    if best is None:  # nothing at least as good as the rule: overrule nothing
        return 0.0, 2.0, {"rule": base, "checked": base}
    return best[1], best[2], {"rule": base, "checked": best[3]}
