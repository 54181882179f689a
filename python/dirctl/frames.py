"""DataFrames from engine columns. pandas is imported here only, lazily."""

from __future__ import annotations

from typing import Any


def frame_from_columns(columns: dict[str, list[Any]], index: str | None = None) -> Any:
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover
        raise ImportError("DataFrames need pandas: pip install 'dirctl[frames]'") from exc
    frame = pd.DataFrame(columns)
    if index is not None and index in frame.columns:
        frame = frame.set_index(index)
    return frame
