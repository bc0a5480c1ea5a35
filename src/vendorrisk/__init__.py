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
from vendorrisk.report.concentration import Concentration, concentration
from vendorrisk.rules.loader import RulePack, load_rules
from vendorrisk.schema import Contract, DataCategory, Hosting, Operator, ServiceType
from vendorrisk.whatif import WhatIf, what_if

__all__ = [
    "CalibrationError",
    "Concentration",
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
    "WhatIf",
    "concentration",
    "load_rules",
    "score",
    "score_table",
    "what_if",
]

__version__ = "0.1.0"
