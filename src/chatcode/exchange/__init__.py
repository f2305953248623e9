"""Exchange: hand the coded chat to the tools researchers already use — SPSS, Stata and R data
files with variable and value labels, and REFI-QDA projects (.qdpx) for MAXQDA, NVivo,
ATLAS.ti and QualCoder, whose codings come back as a codes table.
"""

from chatcode.exchange.qdpx import read_qdpx, write_qdpx
from chatcode.exchange.statfiles import (
    STAT_SUFFIXES,
    AnalysisFrame,
    analysis_frame,
    write_statfile,
)

__all__ = ["STAT_SUFFIXES", "AnalysisFrame", "analysis_frame", "read_qdpx", "write_qdpx",
           "write_statfile"]
