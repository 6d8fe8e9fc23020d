"""Claim kinds: one module per family of kinds, each with the patterns that find its claims in a sentence.

Rules
-----
Kinds
    See :mod:`frontwatch.claims.model`; the patterns are in :mod:`.quantity`
    (``area_change``, ``settlement_count``, ``distance_to_place``, ``advance_depth``,
    ``unit_conversion``), :mod:`.control` (``place_control``), :mod:`.rank` (``rank``) and
    :mod:`.other` (``other``).

Each of these modules has a ``resolve(sent, ctx, found)`` that returns the claims of its kinds
in a sentence, in order; :data:`frontwatch.claims.extract.CLAIM_RESOLVERS` runs them.
"""
