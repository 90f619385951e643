"""The CrossEncoder second stage, with a tiny random model the test builds itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.index.embedder import minilm_path
from rag.search.filters import QueryError
from rag.settings import RetrievalSettings


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    folder = tmp_path_factory.mktemp("tiny-ce")
    tokenizer = BertTokenizerFast.from_pretrained(str(minilm_path()))
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
        num_labels=1,
    )
    BertForSequenceClassification(config).save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return folder


@pytest.mark.slow
def test_cross_encoder_stage_rescored_results_keep_offsets(built_engine, tiny_cross_encoder):
    cfg = RetrievalSettings(second_stage="cross-encoder", cross_encoder_path=tiny_cross_encoder)
    result = built_engine.search("Why was the Ant IPO suspended?", top_k=4, retrieval=cfg)
    assert len(result.results) == 4
    for hit in result.results:
        doc = built_engine.document(hit.doc_id)
        assert doc.text[hit.start : hit.end] == hit.text
        assert 0.0 <= hit.score <= 1.0
    stage = built_engine.retriever.stage(cfg)
    assert stage is not None and stage.name == "cross-encoder"


@pytest.mark.slow
def test_cross_encoder_without_a_path_is_a_clear_error(built_engine):
    cfg = RetrievalSettings(second_stage="cross-encoder")
    with pytest.raises(QueryError, match="cross_encoder_path"):
        built_engine.search("Ant IPO", retrieval=cfg)
