"""`rag eval`: run the question set, write the run record and reports, apply the gate."""

from __future__ import annotations

import dataclasses
import json
import statistics
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from eval.gate import baseline_from_run, check_gate, load_gate, load_json, question_diffs
from eval.options import DEFAULT_BASELINE, DEFAULT_QUESTIONS, EvalOptions
from eval.questions import load_questions
from eval.report import html_report, markdown
from eval.retrieval import evaluate_questions, format_table
from eval.runner import HEADLINE, comparable, run_eval
from rag import Engine, Settings


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def retrieval_only(engine: Engine, options: EvalOptions) -> int:
    docs = {d.doc_id: d.text for d in engine.documents()}
    questions = load_questions(options.questions, docs)
    rows, _ = evaluate_questions(engine, questions)
    tables = {"questions": [r.row() for r in rows]}
    text = format_table(rows, f"Retrieval on {options.questions} (answerable questions)")
    if options.lee:
        from eval.lee import evaluate_lee

        work = Path(tempfile.gettempdir()) / "rag-lee"
        lee = evaluate_lee(engine.settings, work)
        for name, lrows in lee.items():
            tables[f"lee:{name}"] = [r.row() for r in lrows]
            text += "\n\n" + format_table(lrows, f"Lee corpus ({name}), document level")
    if options.json:
        print(json.dumps(tables, indent=2))
    else:
        print(text)
    return 0


def abstention_only(engine: Engine, options: EvalOptions) -> int:
    from eval.abstention import curve, format_curve, read_labelled, roc_auc, score_questions

    scored = score_questions(engine, read_labelled(options.questions))
    current = engine.settings.answer.abstain_threshold
    grid = sorted({round(0.1 + 0.05 * i, 2) for i in range(11)} | {current})
    rows = curve(scored, grid)
    if options.json:
        listed = [dataclasses.asdict(s) for s in scored]
        out = {"auc": roc_auc(scored), "threshold": current, "curve": rows, "questions": listed}
        print(json.dumps(out, indent=2))
    else:
        print(format_curve(scored, rows, f"Abstention on {options.questions}"))
        print(f"\ncurrent threshold: {current:.2f} (RAG_ANSWER__ABSTAIN_THRESHOLD)")
    return 0


def compare_runs(pair: tuple[Path, Path]) -> int:
    a, b = (load_json(p) for p in pair)
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


def _spread(values: Mapping[str, Sequence[float]]) -> dict[str, dict[str, float]]:
    """Mean, range and standard deviation of each metric's values over repeated runs."""
    out = {}
    for name, vals in values.items():
        out[name] = {
            "mean": statistics.fmean(vals),
            "min": min(vals),
            "max": max(vals),
            "std": statistics.pstdev(vals),
        }
    return out


def run(options: EvalOptions, settings: Settings | None) -> int:
    """Run what ``options`` ask for; the exit code of `rag eval` (0 ok, 1 gate failed, 2 error).

    ``settings`` may be None only with ``options.compare``, which loads no engine.
    """
    if options.compare:
        return compare_runs(options.compare)
    engine = Engine(settings or Settings())
    engine.load()
    if options.retrieval:
        return retrieval_only(engine, options)
    if options.abstention:
        return abstention_only(engine, options)
    docs = {d.doc_id: d.text for d in engine.documents()}
    questions = load_questions(options.questions, docs)
    gate = load_gate()
    topics = (
        gate.get("briefing", {}).get("topics", []) if options.questions == DEFAULT_QUESTIONS else []
    )
    repeats = max(1, options.repeats if options.llm else 1)
    runs = [
        run_eval(engine, questions, options.questions, options.llm, topics) for _ in range(repeats)
    ]
    result = runs[0]
    if repeats > 1:
        values = {n: [r["aggregates"]["headline"][n]["value"] for r in runs] for n in HEADLINE}
        result["repeats"] = {"n": repeats, "spread": _spread(values)}
    record = options.runs_dir / f"{result['run_id']}.json"
    baseline = (
        load_json(options.baseline) if options.baseline and options.baseline.exists() else None
    )
    if options.baseline and baseline is None and not options.update_baseline:
        print(f"rag: error: baseline {options.baseline} not found", file=sys.stderr)
        return 2
    checks = check_gate(result, baseline, gate) if (options.baseline or options.gate) else []
    key_facts = {q.id: q.key_facts for q in questions}
    worse = question_diffs(result, baseline, key_facts) if baseline else []
    if baseline and (mismatch := comparable(result, {"fingerprints": baseline["fingerprints"]})):
        print(f"note: baseline differs in {', '.join(mismatch)}", file=sys.stderr)
    md = markdown(result, baseline, checks, worse)
    _write(record, json.dumps(result, indent=1, ensure_ascii=False))
    _write(record.with_suffix(".html"), html_report(result, baseline, md))
    if options.report_md:
        _write(options.report_md, md)
    if options.update_baseline:
        target = options.baseline or DEFAULT_BASELINE
        _write(target, json.dumps(baseline_from_run(result), indent=1, ensure_ascii=False) + "\n")
        print(f"baseline written to {target}", file=sys.stderr)
    if options.json:
        print(json.dumps({"run_id": result["run_id"], "record": str(record),
                          "headline": result["aggregates"]["headline"],
                          "gate_failed": [c.metric for c in checks if c.failed],
                          "worse": worse}, indent=2))  # fmt: skip
    else:
        print(md)
        print(f"run record: {record}\nHTML report: {record.with_suffix('.html')}")
    return 1 if any(c.failed for c in checks) and not options.update_baseline else 0
