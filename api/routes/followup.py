"""`POST /v1/followup`: the session's questions -> the last one made standalone.

The web page keeps its own history; this is the rewrite the chat endpoint applies to a
conversation (rag.text.followup), so a page follow-up and a chat follow-up ask the same thing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.deps import SettingsDep, check_length
from api.errors import VISIBLE
from rag.text.followup import standalone_question

router = APIRouter(prefix="/v1")

MAX_TURNS = 20
Question = Annotated[str, StringConstraints(min_length=1, pattern=VISIBLE)]


class FollowupRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    questions: list[Question] = Field(
        ...,
        min_length=1,
        max_length=MAX_TURNS,
        description="The session's questions, oldest first; the last is the one to ask",
        examples=[["Why was the Ant IPO suspended?", "and why did it withdraw its deposits?"]],
    )


class FollowupResponse(BaseModel):
    question: str = Field(..., description="The last question, made standalone")
    rewritten: bool = Field(..., description="Whether it differs from the last question as sent")


@router.post("/followup", response_model=FollowupResponse, tags=["ask"])
def followup(req: FollowupRequest, settings: SettingsDep) -> dict[str, object]:
    """The last question with its subject restored from the earlier ones (no model involved)."""
    for q in req.questions:
        check_length("a question", q, settings.api.max_question_chars)
    last = req.questions[-1].strip()
    question = standalone_question([("user", q) for q in req.questions])
    return {"question": question, "rewritten": question != last}
