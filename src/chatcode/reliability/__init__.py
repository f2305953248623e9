"""Coder reliability: agreement tables per code and dimension (:func:`agreement`) built on
plain numpy coefficient functions (:mod:`~chatcode.reliability.coefficients`).
"""

from chatcode.reliability import coefficients
from chatcode.reliability.agreement import (
    NONE,
    RARE_MIN_POSTS,
    RARE_SHARE,
    AgreementResult,
    CodingMatrix,
    agreement,
)

__all__ = ["NONE", "RARE_MIN_POSTS", "RARE_SHARE", "AgreementResult", "CodingMatrix", "agreement",
           "coefficients"]
