"""What the ledger refuses."""

from __future__ import annotations


class LedgerError(Exception):
    """Base class of the ledger's refusals."""


class InvalidEntry(LedgerError):
    """An entry that is not double-entry: fewer than two postings, a posting of zero or of a
    non-integer amount, an unknown account or currency, or postings that do not sum to zero
    per currency. Nothing is written."""


class EntryConflict(LedgerError):
    """An entry id (derived from its cause) already exists with different postings: the
    same cause was posted twice with different amounts — a bug, never silently accepted."""
