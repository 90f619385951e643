"""Run reports: a Markdown summary and a self-contained HTML page with embedded plots."""

from __future__ import annotations

import base64
import html
import io
from typing import Any

from eval.gate import Check

LABELS = ("answered", "partial", "unanswerable")


def _fmt(v: Any) -> str:
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def headline_table(run: dict[str, Any], baseline: dict[str, Any] | None) -> str:
    base = (baseline or {}).get("headline", {})
    lines = ["| metric | value | 95% CI | n | baseline | Δ |", "|---|---|---|---|---|---|"]
    for name, h in run["aggregates"]["headline"].items():
        b = base.get(name)
        delta = f"{h['value'] - b:+.3f}" if isinstance(b, float | int) else ""
        lo, hi = h["ci95"]
        lines.append(
            f"| {name} | {h['value']:.3f} | [{lo:.3f}, {hi:.3f}] | {h['n']} | "
            f"{_fmt(b) if b is not None else ''} | {delta} |"
        )
    return "\n".join(lines)


def retrieval_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    keys = list(rows[0].keys())
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(_fmt(r[k]) for k in keys) + " |" for r in rows]
    return "\n".join(lines)


def confusion_table(conf: dict[str, dict[str, int]]) -> str:
    lines = ["| expected \\ got | " + " | ".join(LABELS) + " |", "|---|---|---|---|"]
    for exp in LABELS:
        lines.append(f"| {exp} | " + " | ".join(str(conf[exp][g]) for g in LABELS) + " |")
    return "\n".join(lines)


def markdown(
    run: dict[str, Any],
    baseline: dict[str, Any] | None = None,
    checks: list[Check] | None = None,
    worse: list[dict[str, Any]] | None = None,
) -> str:
    agg = run["aggregates"]
    fp = run["fingerprints"]
    out = [
        f"# Evaluation run {run['run_id']}",
        "",
        f"{len(run['questions'])} questions in {run['seconds']} s; index {fp['index_version']}, "
        f"model {fp['model_id']}, llm {fp['llm']}, commit {fp['git_commit']}.",
        "",
        "## Headline metrics",
        "",
        headline_table(run, baseline),
        "",
        "Citation recall/precision are ALCE-style but judged by our own verifier "
        "(rag/answer/verify.py), not ALCE's NLI model: not comparable to published ALCE numbers.",
        "",
        "## Retrieval (answerable questions)",
        "",
        retrieval_table(agg.get("retrieval", [])),
        "",
        "## Status confusion",
        "",
        confusion_table(agg["confusion"]),
        "",
        "## Latency (ms)",
        "",
        "| stage | p50 | p95 |",
        "|---|---|---|",
        *[f"| {s} | {v['p50']} | {v['p95']} |" for s, v in agg["latency_ms"].items()],
    ]
    if run.get("briefings"):
        out += ["", "## Briefing checks", ""]
        out += ["| topic | sentences | verified | uncited | refs ok |", "|---|---|---|---|---|"]
        for b in run["briefings"]:
            out.append(
                f"| {b['topic']} | {b['sentences']} | {_fmt(b['verified_share'])} | "
                f"{b['uncited_sentences']} | {b['references_resolve']} |"
            )
    if run.get("repeats"):
        out += ["", "## Spread over repeated runs", "", "| metric | mean | min | max | std |",
                "|---|---|---|---|---|"]  # fmt: skip
        for name, s in run["repeats"]["spread"].items():
            out.append(
                f"| {name} | {s['mean']:.3f} | {s['min']:.3f} | {s['max']:.3f} | {s['std']:.3f} |"
            )
    if checks:
        failed = [c for c in checks if c.failed]
        out += ["", "## Gate", "", "PASS" if not failed else "FAIL", ""]
        out += [f"- {c.metric}: {c.reason()}" for c in failed]
    if worse:
        out += ["", "## Questions that got worse", ""]
        out += [f"- {w['id']} {w['question']}: {'; '.join(w['how'])}" for w in worse]
    return "\n".join(out) + "\n"


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _plots(run: dict[str, Any], baseline: dict[str, Any] | None) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    images = []
    head = run["aggregates"]["headline"]
    names = list(head)
    base = (baseline or {}).get("headline", {})
    fig, ax = plt.subplots(figsize=(8, 3.5))
    xs = range(len(names))
    ax.bar([x - 0.2 for x in xs], [head[n]["value"] for n in names], 0.4, label="this run")
    ax.bar([x + 0.2 for x in xs], [base.get(n, 0) or 0 for n in names], 0.4, label="baseline")
    ax.set_xticks(list(xs), names, rotation=45, ha="right", fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8)
    ax.set_title("Headline metrics against the baseline")
    images.append(("Metrics against the baseline", _png(fig)))
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 3))
    totals = [r["timings_ms"].get("total", 0.0) for r in run["questions"]]
    ax.hist(totals, bins=20)
    ax.set_xlabel("ask latency (ms)")
    ax.set_ylabel("questions")
    ax.set_title("Latency distribution")
    images.append(("Latency distribution", _png(fig)))
    plt.close(fig)
    return images


def _grid(run: dict[str, Any]) -> str:
    cells = []
    for r in run["questions"]:
        m = r["metrics"]
        kf = m["key_fact_coverage"]
        ok = m["status_ok"] and (kf is None or kf >= 0.999)
        title = html.escape(f"{r['id']}: {r['question']} -> {r['answer']['status']}")
        cls = "pass" if ok else "fail"
        cells.append(f'<div class="cell {cls}" title="{title}">{r["id"][1:]}</div>')
    return '<div class="grid">' + "".join(cells) + "</div>"


def html_report(run: dict[str, Any], baseline: dict[str, Any] | None, markdown_text: str) -> str:
    images = "".join(
        f'<figure><img alt="{html.escape(t)}" src="data:image/png;base64,{b}">'
        f"<figcaption>{html.escape(t)}</figcaption></figure>"
        for t, b in _plots(run, baseline)
    )
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Evaluation {html.escape(run["run_id"])}</title>
<style>
body{{font:14px/1.5 system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}}
pre{{white-space:pre-wrap;background:#f6f6f6;padding:1em;border-radius:6px}}
.grid{{display:flex;flex-wrap:wrap;gap:3px}}
.cell{{width:34px;height:24px;font-size:11px;text-align:center;line-height:24px;border-radius:3px}}
.pass{{background:#cdeccd}} .fail{{background:#f5c6c6}}
figure{{display:inline-block;margin:0 1em 1em 0}} img{{max-width:100%}}
</style></head><body>
<h1>Evaluation run {html.escape(run["run_id"])}</h1>
{images}
<h2>Per-question pass/fail</h2>
<p>Green: expected status and every key fact. Hover for the question.</p>
{_grid(run)}
<h2>Summary</h2>
<pre>{html.escape(markdown_text)}</pre>
</body></html>
"""
