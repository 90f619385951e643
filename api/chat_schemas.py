"""Wire schemas of the OpenAI-compatible routes' responses (api.routes.chat), for OpenAPI."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas import CitationOut, ConflictOut, Mode, SentenceOut


class UrlCitationOut(BaseModel):
    url: str = Field(description="The cited span in the document view (`<base>/#doc=...`)")
    title: str = Field(description="The document's title")
    start_index: int = Field(description="Where the supported sentence starts in the content")
    end_index: int = Field(description="Where it ends (exclusive), after its markers")
    marker: int = Field(description="The `[n]` in the content")
    doc_id: str = Field(description="The cited document")
    start: int = Field(description="Start of the quote in the document's text")
    end: int = Field(description="End of the quote (exclusive)")
    quote: str = Field(description="The document's text[start:end]")


class AnnotationOut(BaseModel):
    type: Literal["url_citation"] = Field(description="Always url_citation")
    url_citation: UrlCitationOut = Field(description="One citation of the content")


class ChatMessageOut(BaseModel):
    role: Literal["assistant"] = Field(description="Always assistant")
    content: str = Field(description="The cited answer, with [n] markers")
    citations: list[CitationOut] = Field(description="The citations the content uses")
    annotations: list[AnnotationOut] = Field(description="The citations, as OpenAI annotations")


class ChatChoiceOut(BaseModel):
    index: int = Field(description="Always 0: one choice")
    message: ChatMessageOut = Field(description="The answer")
    finish_reason: Literal["stop", "length"] = Field(
        description="length: cut to max_tokens (whole sentences where they fit)"
    )


class UsageOut(BaseModel):
    prompt_tokens: int = Field(
        description="Tokens of the messages (see the README: which tokenizer)"
    )
    completion_tokens: int = Field(description="Tokens of the content")
    total_tokens: int = Field(description="Their sum")


class RagExtraOut(BaseModel):
    question: str = Field(description="The standalone question that was answered")
    status: Literal["answered", "partial", "unanswerable"] = Field(description="The outcome")
    sentences: list[SentenceOut] = Field(description="The verified sentences")
    conflicts: list[ConflictOut] = Field(description="Quantities the sources disagree on")
    missing: list[str] = Field(description="Parts of the question the corpus does not cover")
    mode: Mode = Field(description="Who phrased the answer")
    fallback_reason: str | None = Field(description="Why the LLM answer was not used, if so")
    timings_ms: dict[str, float] = Field(description="Milliseconds per stage")


class ChatCompletionOut(BaseModel):
    id: str = Field(description="chatcmpl-...")
    object: Literal["chat.completion"] = Field(description="Always chat.completion")
    created: int = Field(description="Unix time")
    model: str = Field(description="The model id asked for")
    choices: list[ChatChoiceOut] = Field(description="Exactly one choice")
    usage: UsageOut = Field(description="Token counts")
    citations: list[CitationOut] = Field(description="The same citations as the message's")
    rag: RagExtraOut = Field(description="Status, sentences and conflicts of the answer")


class ModelOut(BaseModel):
    id: str = Field(description="The model id to send as `model`")
    object: Literal["model"] = Field(description="Always model")
    created: int = Field(description="Unix time (fixed)")
    owned_by: str = Field(description="Always cited-rag")


class ModelList(BaseModel):
    object: Literal["list"] = Field(description="Always list")
    data: list[ModelOut] = Field(description="The answer modes this server is configured for")


class OpenAIErrorBody(BaseModel):
    message: str = Field(description="What went wrong, in a sentence")
    type: str = Field(description="invalid_request_error, authentication_error, ...")
    param: str | None = Field(description="The request field at fault, if one is")
    code: str | None = Field(description="A stable code, e.g. model_not_found")


class OpenAIError(BaseModel):
    error: OpenAIErrorBody = Field(description="OpenAI's error object")


def openai_error_doc(description: str) -> dict[str, Any]:
    return {"description": description, "model": OpenAIError}
