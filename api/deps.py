"""FastAPI dependencies, each named once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from rag.engine import Engine
from rag.settings import Settings


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
