"""The docstring examples of rag.text run as tests (the pure modules document by example)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import rag.text

MODULES = sorted(m.name for m in pkgutil.iter_modules(rag.text.__path__))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"rag.text.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    assert result.attempted > 0, f"rag.text.{name} has no example in its docstrings"
