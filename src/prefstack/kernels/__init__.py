"""Fast numeric kernels: the figures of a clause without their explanations, for the places that
compute them many times and keep only the number (a replay pays every holder every quarter).

A kernel never decides anything a clause does not: it calls the clause functions for every
judgment and only leaves out the building of :class:`~prefstack.explain.Explained` trees. Each is
proven equal to its clause by the tests (``tests/kernels``), and a reader asking "why" gets the
clause's explained figure, computed again from the same facts.
"""
