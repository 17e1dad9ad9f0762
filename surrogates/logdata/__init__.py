"""Process logs as plants export them: typed reading, cleaning, data-quality report.

Read a file with :func:`read_logs`, clean it with :func:`clean_logs`; the result's
``quality`` is the data-quality report (``data_quality.json``). Settings come from the
scenario file (:class:`ReadOptions`, :class:`CleaningConfig`).
"""

from surrogates.logdata.cleaning import CELL_FLAGS, DROP_REASONS, CleanLogs, clean_logs
from surrogates.logdata.config import (
    CleaningConfig,
    ColumnSpec,
    DriftConfig,
    OutlierConfig,
    ReadOptions,
    StuckConfig,
)
from surrogates.logdata.quality import (
    ColumnQuality,
    DataQualityReport,
    DriftWarning,
    ProcessChange,
    StuckWarning,
)
from surrogates.logdata.reading import ROW_COLUMN, ColumnRead, RawLogs, file_sha256, read_logs

__all__ = [
    "CELL_FLAGS",
    "DROP_REASONS",
    "ROW_COLUMN",
    "CleanLogs",
    "CleaningConfig",
    "ColumnQuality",
    "ColumnRead",
    "ColumnSpec",
    "DataQualityReport",
    "DriftConfig",
    "DriftWarning",
    "OutlierConfig",
    "ProcessChange",
    "RawLogs",
    "ReadOptions",
    "StuckConfig",
    "StuckWarning",
    "clean_logs",
    "file_sha256",
    "read_logs",
]
