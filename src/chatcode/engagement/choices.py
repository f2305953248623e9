"""The fixed choices of the engagement functions, in a module without pandas or numpy.

The command line builds its options from these at start-up, so ``chatcode --help`` stays
quick; the engagement modules take them from here too. ``COMPONENTS`` and ``CLUSTERS`` are
column names of :mod:`chatcode.corpus.schema` (``tests/engagement/test_choices.py`` pins
them), spelled out because the schema module imports pandas.
"""

from __future__ import annotations

__all__ = ["ADJUST_METHODS", "CLUSTERS", "COMPONENTS", "QUANTILE_METHODS", "RESPONDERS",
           "TESTS"]

#: whose responses count: every author's, or only those of authors with the role participant
RESPONDERS: tuple[str, ...] = ("all", "participants")
#: what makes up a post's responses (schema.REPLIES, REACTIONS, REPLY_REACTIONS)
COMPONENTS: tuple[str, ...] = ("replies", "reactions", "reply_reactions")
#: numpy.percentile methods (Hyndman & Fan 1996 types 4-9); "linear" (type 7) is the default
QUANTILE_METHODS: tuple[str, ...] = ("linear", "weibull", "hazen", "median_unbiased",
                                     "normal_unbiased", "interpolated_inverted_cdf")
#: tests of the with/without comparison
TESTS: tuple[str, ...] = ("mannwhitney", "welch", "student", "negbin")
#: p-value adjustments (statsmodels' multipletests names)
ADJUST_METHODS: tuple[str, ...] = ("holm", "fdr_bh", "bonferroni", "fdr_by")
#: what cluster-aware p-values cluster by (schema.AUTHOR, GROUP)
CLUSTERS: tuple[str, ...] = ("author", "group")
