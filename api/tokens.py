"""Token counts for the OpenAI face's `usage` and `max_tokens`, in the model that wrote the text.

An extractive answer (and every answer's prompt) is counted with the MiniLM tokenizer the
engine embeds with; an `llm:local` answer with SmolLM2's own tokenizer (the llama.cpp
server's `/tokenize`). An `llm:openai` server's tokenizer is not available offline, so its
answers are counted with MiniLM's too (the README says so).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import httpx

from rag.index.embedder import minilm_path

Counter = Callable[[str], int]
WORD = re.compile(r"\S+")


@functools.cache
def _minilm() -> Counter:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(minilm_path() / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return lambda text: len(tokenizer.encode(text, add_special_tokens=False).ids)


def _local_llm() -> Counter:
    from rag.answer.llm import XLlamaServer, smollm2_path

    base = XLlamaServer.get(smollm2_path()).base_url.removesuffix("/v1")

    def count(text: str) -> int:
        r = httpx.post(base + "/tokenize", json={"content": text}, timeout=30)
        r.raise_for_status()
        return len(r.json()["tokens"])

    return count


def counter(mode: str) -> Counter:
    """How to count the tokens of text written in `mode` (an Answer's `mode`)."""
    if mode == "llm:local":
        return _local_llm()
    return _minilm()


def cut(text: str, max_tokens: int, count: Counter) -> str:
    """The longest prefix of `text` ending at a word that fits in `max_tokens` tokens."""
    ends = [m.end() for m in WORD.finditer(text)]
    lo, hi = 0, len(ends)  # the first `lo` words fit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count(text[: ends[mid - 1]]) <= max_tokens:
            lo = mid
        else:
            hi = mid - 1
    return text[: ends[lo - 1]] if lo else ""
