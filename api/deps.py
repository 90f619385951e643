"""FastAPI dependencies, each named once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.errors import ApiProblem
from rag import Engine, Settings

LIMITED_FIELDS = ("question", "query")  # JSON body fields held to settings.api.max_question_chars


# async so FastAPI calls them on the event loop: a plain `def` dependency costs every request a
# round trip through the thread pool for one attribute read
async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def check_text_limits(request: Request) -> None:
    """422 when a JSON body's `question` or `query` is longer than max_question_chars."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    if "json" not in request.headers.get("content-type", "application/json"):
        return
    try:
        body = await request.json()  # already parsed and cached by FastAPI
    except ValueError:
        return  # malformed JSON: the route's own validation reports it
    if not isinstance(body, dict):
        return
    settings: Settings = request.app.state.settings
    limit = settings.api.max_question_chars
    for name in LIMITED_FIELDS:
        value = body.get(name)
        if isinstance(value, str):
            check_length(name, value, limit)


def check_length(name: str, value: str, limit: int) -> None:
    """The one 422 for a text over the question limit (question, query, topic, ...)."""
    if len(value) > limit:
        raise ApiProblem(
            422,
            "text-too-long",
            "The text is too long",
            f"{name} is longer than {limit} characters",
        )


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
TextLimits = Depends(check_text_limits)  # for the routers whose bodies carry question/query
