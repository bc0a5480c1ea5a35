"""vendorrisk: score how exposed a public-procurement contract leaves a country's data to foreign-state access."""

from vendorrisk.api import score, score_table
from vendorrisk.errors import (
    CalibrationError,
    DependencyError,
    ExpressionError,
    InputError,
    InputWarning,
    PackError,
    UnknownColumnWarning,
    VendorRiskError,
)
from vendorrisk.explain import Result
from vendorrisk.rules.loader import RulePack, load_rules
from vendorrisk.schema import Contract, DataCategory, Hosting, Operator, ServiceType

__all__ = [
    "CalibrationError",
    "Contract",
    "DataCategory",
    "DependencyError",
    "ExpressionError",
    "Hosting",
    "InputError",
    "InputWarning",
    "Operator",
    "PackError",
    "Result",
    "RulePack",
    "ServiceType",
    "UnknownColumnWarning",
    "VendorRiskError",
    "load_rules",
    "score",
    "score_table",
]

__version__ = "0.1.0"
