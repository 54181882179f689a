"""DataFrames from engine columns. pandas is imported here only, and lazily: the
rest of dirctl hands its columns to frame_from_columns, so ``import dirctl``
needs no pandas."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd
    from numpy.typing import ArrayLike, NDArray

    DataFrame = pd.DataFrame


class Coded(NamedTuple):
    """A categorical column as the engine gives it: codes into names. ids, when given,
    are the objects the names belong to (see frame_from_columns)."""

    codes: ArrayLike
    names: Sequence[str]
    ids: Sequence[int] | None = None


def frame_from_columns(columns: Mapping[str, Any], index: str | None = None, *,
                       times: Sequence[str] = (), times_ms: Sequence[str] = ()) -> DataFrame:
    """A DataFrame of equal-length columns, indexed by the column named index (if any).

    A Coded column becomes a Categorical. Names that repeat stay apart by id (two hosts
    called 'web'), or, for texts without ids (paths, steps), merge into one category.
    The engine's column tuples (see text_column, coded_column) become pandas string and
    categorical columns without a Python object per row.
    The columns named in times hold ISO-8601 UTC text (or UTC datetime64), those in
    times_ms milliseconds since the epoch; both become timezone-aware datetimes."""
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover
        raise ImportError("DataFrames need pandas: pip install 'dirctl[frames]'") from exc
    data: dict[str, Any] = {}
    for name, column in columns.items():
        if isinstance(column, Coded):
            codes, categories = _categories(column)
            column = pd.Categorical.from_codes(codes, categories=pd.Index(categories))
        elif isinstance(column, tuple) and column and column[0] == "text":
            column = text_column(*column[1:])
        elif isinstance(column, tuple) and column and column[0] == "coded":
            column = coded_column(*column[1:])
        data[name] = column
    frame = pd.DataFrame(data)
    for name in times:
        frame[name] = pd.to_datetime(frame[name], utc=True)
    for name in times_ms:
        frame[name] = pd.to_datetime(frame[name], unit="ms", utc=True)
    if index is not None and index in frame.columns:
        frame = frame.set_index(index)
    return frame


def text_column(offsets: ArrayLike, data: ArrayLike, valid: ArrayLike | None) -> Any:
    """A pandas string array over the engine's Arrow-layout buffers (offsets into UTF-8
    bytes, and a validity byte per row or None): no Python string per row."""
    import numpy as np
    import pandas as pd

    try:
        import pyarrow as pa  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover
        raise ImportError("DataFrames need pyarrow for text columns: pip install 'dirctl[frames]'") from exc
    offsets = np.asarray(offsets, dtype=np.int64)
    n = len(offsets) - 1
    bitmap = None
    if valid is not None:
        bits = np.packbits(np.asarray(valid, dtype=bool), bitorder="little")
        bitmap = pa.py_buffer(bits)
    array = pa.Array.from_buffers(pa.large_string(), n, [bitmap, pa.py_buffer(offsets),
                                                         pa.py_buffer(np.asarray(data, dtype=np.uint8))])
    return pd.array(array, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def coded_column(codes: ArrayLike, names: Sequence[str]) -> Any:
    """A pandas Categorical from the engine's codes (-1: missing) into distinct names."""
    import numpy as np
    import pandas as pd

    categories = pd.Index(list(names), dtype=object)
    try:  # the engine's codes are in range: skip pandas' O(n) check where it can be skipped (pandas >= 2.1)
        return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int32), categories=categories, validate=False)
    except TypeError:  # pragma: no cover
        return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int32), categories=categories)


def nullable_ints(values: ArrayLike, missing: ArrayLike) -> Any:
    """A pandas nullable integer array: values, with NA where missing is true."""
    import numpy as np
    import pandas as pd

    return pd.arrays.IntegerArray(np.asarray(values), np.asarray(missing, dtype=bool))


def _categories(column: Coded) -> tuple[NDArray[np.int32], list[str]]:
    """Codes and distinct category names for a Coded column."""
    import numpy as np

    codes = np.asarray(column.codes, dtype=np.int32)
    names = list(column.names)
    if len(set(names)) == len(names):
        return codes, names
    if column.ids is not None:
        counts: dict[str, int] = {}
        for n in names:
            counts[n] = counts.get(n, 0) + 1
        return codes, [f"{n} (id {i})" if counts[n] > 1 else n for n, i in zip(names, column.ids)]
    first: dict[str, int] = {}
    unique: list[str] = []
    remap = np.empty(len(names), dtype=np.int32)
    for k, n in enumerate(names):
        if n not in first:
            first[n] = len(unique)
            unique.append(n)
        remap[k] = first[n]
    return remap[codes], unique
