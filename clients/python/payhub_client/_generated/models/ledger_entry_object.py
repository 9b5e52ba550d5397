from enum import StrEnum


class LedgerEntryObject(StrEnum):
    LEDGER_ENTRY = "ledger_entry"

    def __str__(self) -> str:
        return str(self.value)
