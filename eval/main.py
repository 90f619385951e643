"""`rag eval`: run the question set, write the run record and reports, apply the gate."""

from __future__ import annotations

import dataclasses
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from eval.gate import baseline_from_run, check_gate, load_gate, load_json, question_diffs
from eval.questions import load_questions
from eval.report import html_report, markdown
from eval.retrieval import evaluate_questions, format_table
from eval.runner import HEADLINE, comparable, run_eval
from rag.engine import Engine
from rag.settings import Settings

DEFAULT_QUESTIONS = Path("eval/questions.jsonl")
DEFAULT_BASELINE = Path("eval/baseline.json")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def retrieval_only(engine: Engine, args: Any) -> int:
    docs = {d.doc_id: d.text for d in engine.documents()}
    questions = load_questions(args.questions, docs)
    rows, _ = evaluate_questions(engine, questions)
    tables = {"questions": [r.row() for r in rows]}
    text = format_table(rows, f"Retrieval on {args.questions} (answerable questions)")
    if args.lee:
        from eval.lee import evaluate_lee

        work = Path(tempfile.gettempdir()) / "rag-lee"
        lee = evaluate_lee(engine.settings, work)
        for name, lrows in lee.items():
            tables[f"lee:{name}"] = [r.row() for r in lrows]
            text += "\n\n" + format_table(lrows, f"Lee corpus ({name}), document level")
    if args.json:
        print(json.dumps(tables, indent=2))
    else:
        print(text)
    return 0


def abstention_only(engine: Engine, args: Any) -> int:
    from eval.abstention import curve, format_curve, read_labelled, roc_auc, score_questions

    scored = score_questions(engine, read_labelled(args.questions))
    current = engine.settings.answer.abstain_threshold
    grid = sorted({round(0.1 + 0.05 * i, 2) for i in range(11)} | {current})
    rows = curve(scored, grid)
    if args.json:
        listed = [dataclasses.asdict(s) for s in scored]
        out = {"auc": roc_auc(scored), "threshold": current, "curve": rows, "questions": listed}
        print(json.dumps(out, indent=2))
    else:
        print(format_curve(scored, rows, f"Abstention on {args.questions}"))
        print(f"\ncurrent threshold: {current:.2f} (RAG_ANSWER__ABSTAIN_THRESHOLD)")
    return 0


def compare_runs(args: Any) -> int:
    a, b = (load_json(Path(p)) for p in args.compare)
    diff = comparable(a, b)
    print(f"# {a['run_id']} vs {b['run_id']}\n")
    if diff:
        print(f"Not directly comparable: they differ in {', '.join(diff)}.\n")
    ha, hb = a["aggregates"]["headline"], b["aggregates"]["headline"]
    print("| metric | A | B | Δ |\n|---|---|---|---|")
    for k in ha:
        if k in hb:
            va, vb = ha[k]["value"], hb[k]["value"]
            print(f"| {k} | {va:.3f} | {vb:.3f} | {vb - va:+.3f} |")
    qa = {r["id"]: r for r in a["questions"]}
    changed = [
        (qid, qa[qid]["answer"]["status"], r["answer"]["status"])
        for qid, r in ((r["id"], r) for r in b["questions"])
        if qid in qa and qa[qid]["answer"]["answer"] != r["answer"]["answer"]
    ]
    print(f"\n{len(changed)} answers changed")
    for qid, sa, sb in changed:
        print(f"- {qid}: {sa} -> {sb}")
    return 0


def _spread(runs: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    out = {}
    for name in HEADLINE:
        vals = [r["aggregates"]["headline"][name]["value"] for r in runs]
        out[name] = {
            "mean": statistics.fmean(vals),
            "min": min(vals),
            "max": max(vals),
            "std": statistics.pstdev(vals),
        }
    return out


def main(args: Any, settings: Settings | None) -> int:
    """Entry point called (lazily) by rag.cli."""
    if args.compare:
        return compare_runs(args)
    engine = Engine(settings or Settings())
    engine.load()
    if args.retrieval:
        return retrieval_only(engine, args)
    if args.abstention:
        return abstention_only(engine, args)
    docs = {d.doc_id: d.text for d in engine.documents()}
    questions = load_questions(args.questions, docs)
    gate = load_gate()
    topics = (
        gate.get("briefing", {}).get("topics", []) if args.questions == DEFAULT_QUESTIONS else []
    )
    repeats = max(1, args.repeats if args.llm else 1)
    runs = [run_eval(engine, questions, args.questions, args.llm, topics) for _ in range(repeats)]
    run = runs[0]
    if repeats > 1:
        run["repeats"] = {"n": repeats, "spread": _spread(runs)}
    runs_dir = Path(args.runs_dir)
    record = runs_dir / f"{run['run_id']}.json"
    baseline = load_json(args.baseline) if args.baseline and args.baseline.exists() else None
    if args.baseline and baseline is None and not args.update_baseline:
        print(f"rag: error: baseline {args.baseline} not found", file=sys.stderr)
        return 2
    checks = check_gate(run, baseline, gate) if (args.baseline or args.gate) else []
    key_facts = {q.id: q.key_facts for q in questions}
    worse = question_diffs(run, baseline, key_facts) if baseline else []
    if baseline and (mismatch := comparable(run, {"fingerprints": baseline["fingerprints"]})):
        print(f"note: baseline differs in {', '.join(mismatch)}", file=sys.stderr)
    md = markdown(run, baseline, checks, worse)
    _write(record, json.dumps(run, indent=1, ensure_ascii=False))
    _write(record.with_suffix(".html"), html_report(run, baseline, md))
    if args.report_md:
        _write(Path(args.report_md), md)
    if args.update_baseline:
        target = args.baseline or DEFAULT_BASELINE
        _write(target, json.dumps(baseline_from_run(run), indent=1, ensure_ascii=False) + "\n")
        print(f"baseline written to {target}", file=sys.stderr)
    if args.json:
        print(json.dumps({"run_id": run["run_id"], "record": str(record),
                          "headline": run["aggregates"]["headline"],
                          "gate_failed": [c.metric for c in checks if c.failed],
                          "worse": worse}, indent=2))  # fmt: skip
    else:
        print(md)
        print(f"run record: {record}\nHTML report: {record.with_suffix('.html')}")
    return 1 if any(c.failed for c in checks) and not args.update_baseline else 0
