"""The regression gate: floors, tolerances against the baseline, per-question diffs."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.answers import lost_facts

GATE_FILE = Path(__file__).with_name("gate.toml")


@dataclass(frozen=True)
class Check:
    metric: str
    value: float
    baseline: float | None
    floor: float
    tolerance: float

    @property
    def failed(self) -> bool:
        if self.value < self.floor - 1e-9:
            return True
        return self.baseline is not None and self.baseline - self.value > self.tolerance + 1e-9

    def reason(self) -> str:
        if self.value < self.floor - 1e-9:
            return f"{self.value:.3f} is below the floor {self.floor:.3f}"
        if self.baseline is not None and self.baseline - self.value > self.tolerance + 1e-9:
            drop = self.baseline - self.value
            return f"dropped {drop:.3f} from {self.baseline:.3f} (tolerance {self.tolerance:.3f})"
        return "ok"


def load_gate(path: Path = GATE_FILE) -> dict[str, Any]:
    with path.open("rb") as f:
        return tomllib.load(f)


def baseline_from_run(run: dict[str, Any]) -> dict[str, Any]:
    """The compact baseline committed to eval/baseline.json."""
    return {
        "run_id": run["run_id"],
        "fingerprints": run["fingerprints"],
        "headline": {k: v["value"] for k, v in run["aggregates"]["headline"].items()},
        "questions": {
            r["id"]: {
                "status": r["answer"]["status"],
                "status_ok": r["metrics"]["status_ok"],
                "key_fact_coverage": r["metrics"]["key_fact_coverage"],
                "gold_overlap": r["metrics"]["gold_overlap"],
                "evidence_recall_at_5": r["metrics"].get("evidence_recall_at_5"),
                "answer": r["answer"]["answer"],
            }
            for r in run["questions"]
        },
    }


def check_gate(
    run: dict[str, Any], baseline: dict[str, Any] | None, gate: dict[str, Any]
) -> list[Check]:
    headline = {k: v["value"] for k, v in run["aggregates"]["headline"].items()}
    base = baseline.get("headline", {}) if baseline else {}
    checks = []
    for metric, rule in gate.get("metrics", {}).items():
        if metric not in headline:
            continue
        checks.append(
            Check(metric, headline[metric], base.get(metric), rule["floor"], rule["tolerance"])
        )
    return checks


def question_diffs(
    run: dict[str, Any], baseline: dict[str, Any], key_facts: dict[str, list[list[str]]]
) -> list[dict[str, Any]]:
    """Questions that got worse than the baseline, and how."""
    base_q = baseline.get("questions", {})
    worse = []
    for r in run["questions"]:
        b = base_q.get(r["id"])
        if b is None:
            continue
        m = r["metrics"]
        how = []
        if b["status_ok"] and not m["status_ok"]:
            how.append(f"status flipped: {b['status']} -> {r['answer']['status']}")
        kf, bkf = m["key_fact_coverage"], b["key_fact_coverage"]
        if kf is not None and bkf is not None and kf < bkf - 1e-9:
            missing = lost_facts(r["answer"]["answer"], key_facts.get(r["id"], []))
            was = set(lost_facts(b["answer"], key_facts.get(r["id"], [])))
            lost = [f for f in missing if f not in was]
            how.append(f"lost key fact: {', '.join(lost) or 'coverage'} ({bkf:.2f} -> {kf:.2f})")
        if b["gold_overlap"] and m["gold_overlap"] is False:
            how.append("lost evidence: no citation overlaps the gold span any more")
        er, ber = m.get("evidence_recall_at_5"), b.get("evidence_recall_at_5")
        if er is not None and ber is not None and er < ber - 1e-9:
            how.append(f"lost evidence: recall@5 {ber:.2f} -> {er:.2f}")
        if how:
            worse.append({"id": r["id"], "question": r["question"], "how": how})
    return worse


def load_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
