"""Moved: the HTML views are the package :mod:`kg.views` (one module per concern).

This name stays so that code written against it keeps working while it is updated; new code
imports :mod:`kg.views`.
"""

from kg.views import *  # noqa: F401,F403
from kg.views import __all__  # noqa: F401
