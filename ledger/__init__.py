"""payhub's double-entry ledger: a library like ``vault`` (it takes a connection, knows no service).

Journal entries of two or more postings summing to zero per currency, written in the caller's
transaction, idempotent by an id derived from their cause, never updated or deleted
(corrections are reversing entries); balances per account and currency from striped rows;
``first_discrepancy`` checks it all against the postings.
"""

from ledger.balances import Balance, account_balances, all_balances, totals_by_resource
from ledger.bulk import NewEntry, post_many
from ledger.chart import FIXED, Kind, is_account, meaning, provider
from ledger.errors import EntryConflict, InvalidEntry, LedgerError
from ledger.posting import Posted, Posting, RawSql, entry_id, post, reversal, transfer, validate
from ledger.queries import Page, entries_page, known_accounts
from ledger.verify import first_discrepancy

__all__ = [
    "FIXED",
    "Balance",
    "EntryConflict",
    "InvalidEntry",
    "Kind",
    "LedgerError",
    "NewEntry",
    "Page",
    "Posted",
    "Posting",
    "RawSql",
    "account_balances",
    "all_balances",
    "entries_page",
    "entry_id",
    "first_discrepancy",
    "is_account",
    "known_accounts",
    "meaning",
    "post",
    "post_many",
    "provider",
    "reversal",
    "totals_by_resource",
    "transfer",
    "validate",
]
