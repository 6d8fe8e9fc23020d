"""The measuring rules of claim verification, one module per family of claim kinds:
:mod:`change` (over a window), :mod:`place` (places and regions), :mod:`stock` (on a date).
The table that maps kinds to them is :data:`frontwatch.claims.verify.CHECKS`."""
