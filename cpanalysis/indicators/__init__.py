"""Indicators: one module per subject (docs/analysts.md says which holds which LGA question); each indicator is a
definition plus a function.

See :mod:`cpanalysis.indicators.registry` for the contract.
"""

from cpanalysis.indicators.registry import (  # noqa: F401
    REGISTRY,
    RESULT_COLUMNS,
    Context,
    Definition,
    all_indicators,
    audit,
    compute,
    definitions_frame,
    get,
    indicator,
)
