"""Instruments beyond the two certificates: a company's whole capital structure.

:mod:`prefstack.instruments.capital_structure` is the ``prefstack-capital-structure/1`` file
format (every class of a company: the certificates prefstack has terms for, generic classes
described by their economic terms, Common Stock, options and warrants) and the bundled files of
``issuers/<issuer>/capital_structure.yaml``.
"""
