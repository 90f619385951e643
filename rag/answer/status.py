"""The status of an answer before it is written: answered, partial or unanswerable, from
the evidence score against its floor and the reading (the rule decision), from the fitted
decision (rag.answer.decision), or from the rule decision checked by the fitted one, as the
settings ask; and why (``explain``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rag.answer.decision import load_decision
from rag.answer.evidence import Evidence
from rag.settings import Settings
from rag.types import SentenceRef

PARTIAL_FLOOR = 0.2  # evidence score below which related sentences are not worth quoting


def checked_status(rule: str, p: float, veto: float, rescue: float, weak: str, strong: str) -> str:
    """The rule decision of evidence not refused outright, overruled where the trees are sure:
    a refusal by score that they rate at least ``rescue`` takes the status of strong evidence,
    an answer they rate below ``veto`` that of weak evidence (partial when the reading found
    the neighbourhood). eval/checked.py fits ``veto`` and ``rescue`` with this same rule."""
    if rule == "unanswerable" and p >= rescue:
        return strong
    if rule == "answered" and p < veto:
        return weak
    return rule


class Decider:
    """Decides an answer's status from its evidence, with the settings it is given."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def decide(self, ev: Evidence) -> str:
        """answered, partial or unanswerable, before writing: the calibrated decision when
        one is fitted (else the evidence score against the threshold); a question naming
        something the corpus never mentions is not covered; evidence that holds the
        question's neighbourhood but not the asked-for value is partial."""
        if self._refused(ev):  # judged once, whichever decision decides
            return "unanswerable"
        rule = self._scored_status(ev)
        mode = self.settings.answer.decision
        decision = load_decision() if mode != "score" else None
        if decision is None:
            return rule
        p = decision.probability(self._features(ev, rule))
        if mode == "learned":
            return self._status(ev, p >= decision.threshold)
        weak, strong = self._status(ev, False), self._status(ev, True)
        return checked_status(rule, p, decision.veto, decision.rescue, weak, strong)

    def alternatives(self, ev: Evidence) -> tuple[str, bool, str, str]:
        """What the checked decision chooses among (eval/checked.py fits where): the rule
        decision's status, whether it refused outright, and the status when the evidence is
        judged weak or strong."""
        refused = self._refused(ev)
        rule = "unanswerable" if refused else self._scored_status(ev)
        return rule, refused, self._status(ev, False), self._status(ev, True)

    def decision_features(self, ev: Evidence) -> dict[str, float]:
        """What the learned decision reads: the score, the reading signals and the rule
        decision's status."""
        return self._features(ev, self._rule_status(ev))

    @staticmethod
    def _features(ev: Evidence, rule: str) -> dict[str, float]:
        return {
            **ev.features,
            "rule_answered": float(rule == "answered"),
            "rule_partial": float(rule == "partial"),
            "names_asked": float(len(ev.focus.names)),
            "keys_asked": float(len(ev.focus.keys)),
        }

    @staticmethod
    def _refused(ev: Evidence) -> bool:
        """No evidence, a name the corpus never mentions, or no candidate sentence holding
        the question's names: not covered, whatever the score."""
        if ev.reading.unknown_names or not ev.sentences:
            return True
        return ev.reading.verdict == "not covered" and ev.reading.signals.get("names", 1.0) < 0.5

    def _rule_status(self, ev: Evidence) -> str:
        """The rule decision: the evidence score against its floor, then the reading."""
        if self._refused(ev):
            return "unanswerable"
        return self._scored_status(ev)

    def _scored_status(self, ev: Evidence) -> str:
        """The rule decision of evidence not refused: its score against its floor."""
        return self._status(ev, ev.verdict.score >= self._floor(ev))

    def _status(self, ev: Evidence, ok: bool) -> str:
        """The status once the evidence is judged strong enough (ok) or not."""
        related = ev.reading.verdict == "related only"
        if ok:
            # A similar sentence is not an answer: "a fine in December" does not give the
            # amount asked for, however close it scores.
            gap = related and ev.reading.signals.get("typed_gap", 0.0) > 0
            return "partial" if gap else "answered"
        return "partial" if related and ev.verdict.score >= PARTIAL_FLOOR else "unanswerable"

    def _floor(self, ev: Evidence) -> float:
        """The evidence score the answer needs: less when the reading vouches for a sentence
        (a paraphrase scores low) that holds the focus's own key words, and less for a
        question that names nothing ("the firm", "the leader": no name for the evidence to
        miss) unless the reading found only the neighbourhood of its focus."""
        a = self.settings.answer
        vouched = ev.reading.verdict == "answers" and bool(ev.focus.keys)
        vouched = vouched and ev.reading.signals.get("focus", 0.0) >= 0.5
        nameless = not ev.focus.names and ev.reading.verdict != "related only"
        return (
            min(a.read_threshold, a.abstain_threshold)
            if vouched or nameless
            else a.abstain_threshold
        )

    def explanation(self, ev: Evidence, status: str, rows: Sequence[SentenceRef]) -> dict[str, Any]:
        """Why the engine answered, answered in part or refused: the parsed focus, the best
        sentence per verdict and the signals behind the decision."""
        mode = self.settings.answer.decision
        decision = load_decision()
        floor = self._floor(ev)
        return {
            "status": status,
            "focus": ev.focus.to_dict(),
            "verdict": ev.reading.verdict,
            "best": {
                v: {
                    "doc_id": rows[r].doc_id,
                    "start": rows[r].start,
                    "end": rows[r].end,
                    "text": rows[r].text,
                }
                for v, r in ev.reading.best.items()
            },
            "unknown_names": ev.reading.unknown_names,
            "signals": ev.features,
            # the learned model's confidence that the evidence answers in full (reported
            # whichever decision decides)
            "probability": decision.probability(self.decision_features(ev)) if decision else None,
            "decision": mode,
            # the rule decision and the score floor it applied to this question (lower when
            # the reading vouches for a sentence or the question names nothing: ``_floor``)
            "rule": self._rule_status(ev),
            "floor": floor,
            # what the deciding quantity was held against: the learned probability's cut in
            # mode "learned", else the score floor
            "threshold": decision.threshold if decision and mode == "learned" else floor,
            # where the trees overrule the score's decision (mode "checked")
            "veto": decision.veto if decision else None,
            "rescue": decision.rescue if decision else None,
        }
