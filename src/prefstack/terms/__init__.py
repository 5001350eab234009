"""The terms of each series as validated data (F §1-§6, G §1-§6).

Each series has a YAML terms file bundled with the package, beside its certificate's sections
(``instruments/issuers/cais-internet/series-f/terms.yaml``, ``.../series-g/terms.yaml``).
:func:`load_terms` validates it against :mod:`prefstack.terms.schema`:
unknown keys are refused, numbers must be written as strings and become exact
fractions, and every term carries a citation that must name a section of the
certificates.
"""

from prefstack.terms.schema import SeriesTerms, Term, load_terms, load_terms_file, series_names

__all__ = ["SeriesTerms", "Term", "load_terms", "load_terms_file", "series_names"]
