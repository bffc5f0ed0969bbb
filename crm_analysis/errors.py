"""Exceptions raised for user mistakes: they carry a message meant to be read, not a traceback."""
from __future__ import annotations


class CRMAnalysisError(Exception):
    """Base class for errors caused by the user's input (data, parameters, model text)."""


class InputError(CRMAnalysisError, ValueError):
    """A data file, column, row or value is not what was expected."""


class ParameterError(CRMAnalysisError, ValueError):
    """A notebook or function parameter is unknown, of the wrong type or out of range."""
