"""Coder reliability: agreement tables per code and dimension (:func:`agreement`) built on
plain numpy coefficient functions (:mod:`~chatcode.reliability.coefficients`).
"""

from typing import TYPE_CHECKING

from chatcode._lazy import exports
from chatcode.reliability import coefficients  # numpy only: cheap to import

# imported on first use (PEP 562), so importing the package stays light
__getattr__, __dir__ = exports(__name__, {
    "NONE": "chatcode.reliability.agreement",
    "RARE_MIN_POSTS": "chatcode.reliability.agreement",
    "RARE_SHARE": "chatcode.reliability.agreement",
    "AgreementResult": "chatcode.reliability.agreement",
    "CodingMatrix": "chatcode.reliability.agreement",
    "agreement": "chatcode.reliability.agreement",
})

if TYPE_CHECKING:
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
