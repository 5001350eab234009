"""prefstack: the certificates of designation of convertible preferred stock as executable,
auditable software.

The first securities modelled are the CAIS Internet Series F and Series G Convertible
Preferred Stock. Every figure is computed exactly (``fractions.Fraction``), rounded only
where a clause says so (:mod:`prefstack.numeric`), and carries the clause it comes from
(:mod:`prefstack.citations`, :mod:`prefstack.explain`).
"""

__version__ = "0.1.0"
