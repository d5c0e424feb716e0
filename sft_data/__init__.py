"""Function-call SFT data: readers of public formats, canonical records, curation passes.

Public API:
    validate_record, check_record, make_record, tool_call, tool_spec     (canonical schema)
    FORMATS, detect_format, get_reader, iter_file, convert_files          (conversion)
    iter_raw, iter_records, write_records, open_writer                    (streaming I/O)
    make_encoder                                                          (ids + loss masks)
    Counts, Rejection                                                     (accounting)
    curate: ThinkMix, Identity, Dedup, Quality, Difficulty, Select, PairBuilder, run_pipeline
"""

from agent_rl.sft_data.convert import ConvertSummary, convert_files, iter_file
from agent_rl.sft_data.encode import make_encoder
from agent_rl.sft_data.io import iter_raw, iter_records, open_writer, write_records
from agent_rl.sft_data.readers import FORMATS, detect_format, get_reader
from agent_rl.sft_data.report import Counts, Rejection
from agent_rl.sft_data.schema import (
    check_record,
    make_record,
    tool_call,
    tool_spec,
    validate_record,
)

__all__ = [
    "FORMATS",
    "ConvertSummary",
    "Counts",
    "Rejection",
    "check_record",
    "convert_files",
    "detect_format",
    "get_reader",
    "iter_file",
    "iter_raw",
    "iter_records",
    "make_encoder",
    "make_record",
    "open_writer",
    "tool_call",
    "tool_spec",
    "validate_record",
    "write_records",
]
