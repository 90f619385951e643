"""The `rag` command line, run in real subprocesses against a copy of the corpus and its index.

Each run loads the model (several seconds), so the runs of a group start together in a small
pool inside a module fixture and the tests read their results.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
WHY = "Why was the Ant IPO suspended?"
ANT_000 = "000_341026f71ce0a6ab"
BAD_QUESTION_LINE = 3

pytestmark = pytest.mark.slow

Run = subprocess.CompletedProcess[str]


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without RAG_* variables, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("RAG_")}
    env.update(extra)
    return env


def rag(args: Sequence[str | Path], env: Mapping[str, str] | None = None) -> Run:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *map(str, args)],
        cwd=REPO,
        env=dict(env) if env is not None else clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )


def run_all(
    jobs: Mapping[str, tuple[Sequence[str | Path], Mapping[str, str] | None]], workers: int = 3
) -> dict[str, Run]:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {name: pool.submit(rag, args, env) for name, (args, env) in jobs.items()}
        return {name: f.result() for name, f in futures.items()}


def assert_one_line_error(r: Run, *fragments: str) -> str:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    line = lines[0]
    assert line.startswith("rag: error:"), line
    assert "Traceback" not in r.stderr
    for fragment in fragments:
        assert fragment in line, line
    return line


@dataclass(frozen=True)
class Workspace:
    root: Path
    corpus: Path
    index: Path
    ingest: Run

    @property
    def where(self) -> list[str | Path]:
        return ["--corpus", self.corpus, "--index", self.index]

    def texts(self) -> dict[str, str]:
        return {p.stem: p.read_bytes().decode("utf-8") for p in sorted(self.corpus.glob("*.txt"))}


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = tmp_path_factory.mktemp("cli")
    shutil.copytree(REPO / "corpus", root / "corpus")
    index = root / "index"
    r = rag(["ingest", "--corpus", root / "corpus", "--index", index, "--json"])
    assert r.returncode == 0, r.stderr
    return Workspace(root, root / "corpus", index, r)


@pytest.fixture(scope="module")
def runs(ws: Workspace) -> dict[str, Run]:
    root = ws.root
    (root / "empty-corpus").mkdir()
    corrupt = root / "corrupt-index"
    shutil.copytree(ws.index, corrupt)
    version = (corrupt / "CURRENT").read_text(encoding="utf-8").strip()
    passages = corrupt / version / "passages.jsonl"
    data = bytearray(passages.read_bytes())
    data[len(data) // 2] ^= 0x01  # one flipped bit in the current version's file
    passages.write_bytes(bytes(data))
    lines = (REPO / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[BAD_QUESTION_LINE - 1])
    row["evidence"][0]["quote"] = row["evidence"][0]["quote"].upper()
    lines[BAD_QUESTION_LINE - 1] = json.dumps(row, ensure_ascii=False)
    bad_questions = root / "bad-questions.jsonl"
    bad_questions.write_text("\n".join(lines) + "\n", encoding="utf-8")
    unlabelled = root / "unlabelled.jsonl"
    unlabelled.write_text('{"question": "Who?", "answerable": true}\n{"question": "x"}\n')
    here = ws.where
    jobs: dict[str, tuple[Sequence[str | Path], Mapping[str, str] | None]] = {
        "search": (["search", WHY, "--top-k", "3", "--json", *here], None),
        "ask_json": (["ask", WHY, "--json", "--top-k", "4", *here], None),
        "ask_plain": (["ask", WHY, *here], None),
        "ask_explain": (["ask", WHY, "--explain", "--json", *here], None),
        "if_stale": (["ingest", "--if-stale", "--json", *here], None),
        "empty_ask": (["ask", "", *here], None),
        "missing_corpus": (
            ["ingest", "--corpus", root / "no-such-corpus", "--index", root / "i1"],
            None,
        ),
        "empty_corpus": (
            ["ingest", "--corpus", root / "empty-corpus", "--index", root / "i2"],
            None,
        ),
        "mismatch": (["search", "Ant", *here], clean_env(RAG_EMBEDDING__MODEL_ID="other-model")),
        "corrupt": (["search", "Ant", "--corpus", ws.corpus, "--index", corrupt], None),
        "missing_index": (
            ["search", "Ant", "--corpus", ws.corpus, "--index", root / "no-index"],
            None,
        ),
        "bad_questions": (
            ["eval", "--questions", bad_questions, "--runs-dir", root / "runs-bad", *here],
            None,
        ),
        "abstention": (["eval", "--abstention", "--json", *here], None),
        "abstention_bad": (["eval", "--abstention", "--questions", unlabelled, *here], None),
    }
    return run_all(jobs)


# -- ingest ----------------------------------------------------------------------------------


def test_ingest_json_counts(ws: Workspace) -> None:
    d = json.loads(ws.ingest.stdout)
    n_docs = len(list(ws.corpus.glob("*.txt")))
    assert d["added"] == n_docs == 5
    assert d["changed"] == d["removed"] == d["unchanged"] == 0
    assert d["skipped"] == []
    assert d["passages"] > n_docs and d["embedded_passages"] == d["passages"]
    assert (ws.index / "CURRENT").read_text(encoding="utf-8").strip() == d["version"]
    manifest = json.loads((ws.index / d["version"] / "manifest.json").read_text("utf-8"))
    assert manifest["counts"]["documents"] == n_docs
    assert manifest["counts"]["passages"] == d["passages"]


def test_ingest_if_stale_does_nothing_on_a_fresh_index(runs: dict[str, Run]) -> None:
    r = runs["if_stale"]
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"stale": False}


# -- search and ask --------------------------------------------------------------------------


def test_search_json_shape(ws: Workspace, runs: dict[str, Run]) -> None:
    r = runs["search"]
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["query"] == WHY
    assert [h["rank"] for h in d["results"]] == [1, 2, 3]
    texts = ws.texts()
    for h in d["results"]:
        assert {"rank", "doc_id", "start", "end", "text", "score"} <= set(h)
        assert texts[h["doc_id"]][h["start"] : h["end"]] == h["text"]
    scores = [h["score"] for h in d["results"]]
    assert scores == sorted(scores, reverse=True)
    assert d["results"][0]["doc_id"] == ANT_000


def test_ask_json_contract(ws: Workspace, runs: dict[str, Run]) -> None:
    r = runs["ask_json"]
    assert r.returncode == 0, r.stderr
    d: dict[str, Any] = json.loads(r.stdout)
    keys = {"question", "status", "answer", "sentences", "citations", "conflicts", "timings_ms"}
    assert keys <= set(d)
    assert d["question"] == WHY and d["status"] == "answered"
    texts = ws.texts()
    markers = [c["marker"] for c in d["citations"]]
    assert markers == list(range(1, len(markers) + 1))
    for c in d["citations"]:
        assert texts[c["doc_id"]][c["start"] : c["end"]] == c["quote"]
    for n in re.findall(r"\[(\d+)\]", d["answer"]):
        assert int(n) in markers
    assert d["sentences"]
    for s in d["sentences"]:
        assert s["citations"] and set(s["citations"]) <= set(markers)


def test_ask_explain_gives_the_focus_verdict_and_signals(runs: dict[str, Run]) -> None:
    r = runs["ask_explain"]
    assert r.returncode == 0, r.stderr
    why = json.loads(r.stdout)["explain"]
    assert why["focus"]["answer_type"] == "reason"
    assert why["verdict"] in {"answers", "related only", "not covered"}
    assert why["best"] and {"doc_id", "start", "end", "text"} <= set(
        next(iter(why["best"].values()))
    )
    assert {"score", "answers", "focus", "names"} <= set(why["signals"])
    assert json.loads(runs["ask_json"].stdout)["explain"] is None


def test_ask_plain_prints_status_answer_numbered_quotes_and_sources(runs: dict[str, Run]) -> None:
    r = runs["ask_plain"]
    assert r.returncode == 0, r.stderr
    status, answer, quotes, sources = r.stdout.strip().split("\n\n")
    assert status.startswith("answered · ")
    assert re.search(r"\[1\]", answer)
    lines = quotes.splitlines()
    assert lines
    for i, line in enumerate(lines, start=1):
        assert re.match(rf"\[{i}\] \w+ \[\d+:\d+\] “.+”$", line), line
    assert sources.startswith("Sources:\n  [")
    assert "\x1b[" not in r.stdout  # no colour in a pipe


# -- bad input: exit 2, one line on stderr ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fragments"),
    [
        ("empty_ask", ["query is empty"]),
        ("missing_corpus", ["no-such-corpus"]),
        ("empty_corpus", ["empty-corpus"]),
        ("mismatch", ["other-model", "all-MiniLM-L6-v2"]),
        ("corrupt", ["passages.jsonl"]),
        ("missing_index", ["no-index"]),
        ("bad_questions", [f"bad-questions.jsonl:{BAD_QUESTION_LINE}:", "quote"]),
        ("abstention_bad", ["unlabelled.jsonl:2:", "answerable"]),
    ],
)
def test_bad_input_exits_2_with_one_line(
    runs: dict[str, Run], name: str, fragments: list[str]
) -> None:
    r = runs[name]
    assert_one_line_error(r, *fragments)
    assert r.stdout == ""


def test_eval_abstention_json_scores_every_question(runs: dict[str, Run]) -> None:
    r = runs["abstention"]
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert len(data["questions"]) == 76
    assert 0.5 < data["auc"] <= 1.0
    assert any(row["threshold"] == data["threshold"] for row in data["curve"])
    for row in data["curve"]:
        assert 0.0 <= row["abstained_unanswerable"] <= 1.0
        assert 0.0 <= row["false_abstentions"] <= 1.0


# -- eval: the gate and run comparison -------------------------------------------------------


@pytest.fixture(scope="module")
def eval_runs(ws: Workspace) -> dict[str, Run]:
    """`rag eval --baseline eval/baseline.json` with the default settings and with top_k=1."""
    base = ["eval", "--baseline", "eval/baseline.json", *ws.where]
    jobs: dict[str, tuple[Sequence[str | Path], Mapping[str, str] | None]] = {
        "default": ([*base, "--runs-dir", ws.root / "runs-default"], None),
        "top_k_1": (
            [*base, "--runs-dir", ws.root / "runs-top1"],
            clean_env(RAG_RETRIEVAL__TOP_K="1"),
        ),
    }
    return run_all(jobs, workers=2)


def record(folder: Path) -> Path:
    records = sorted(folder.glob("*.json"))
    assert len(records) == 1, records
    return records[0]


def test_eval_passes_the_baseline_with_default_settings(
    ws: Workspace, eval_runs: dict[str, Run]
) -> None:
    r = eval_runs["default"]
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr
    assert "## Gate" in r.stdout and "PASS" in r.stdout
    assert "Traceback" not in r.stderr
    run = json.loads(record(ws.root / "runs-default").read_text(encoding="utf-8"))
    assert run["aggregates"]["headline"]["citation_validity"]["value"] == 1.0
    assert record(ws.root / "runs-default").with_suffix(".html").is_file()


def test_eval_fails_the_baseline_with_top_k_1(ws: Workspace, eval_runs: dict[str, Run]) -> None:
    r = eval_runs["top_k_1"]
    assert r.returncode != 0, r.stdout[-3000:]
    assert "Questions that got worse" in r.stdout
    assert "FAIL" in r.stdout
    assert "Traceback" not in r.stderr
    assert record(ws.root / "runs-top1").is_file()  # the record is written even when it fails


def test_eval_compare_two_run_records(ws: Workspace, eval_runs: dict[str, Run]) -> None:
    a, b = record(ws.root / "runs-default"), record(ws.root / "runs-top1")
    r = rag(["eval", "--compare", a, b])
    assert r.returncode == 0, r.stderr
    first = r.stdout.splitlines()[0]
    assert first == f"# {a.stem} vs {b.stem}"
    assert "Not directly comparable: they differ in settings_sha256" in r.stdout
    assert re.search(r"^\| citation_validity \| 1\.000 \| 1\.000 \| \+0\.000 \|$", r.stdout, re.M)
    changed = re.search(r"^(\d+) answers changed$", r.stdout, re.M)
    assert changed and int(changed.group(1)) > 0
