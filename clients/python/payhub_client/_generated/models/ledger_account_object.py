from enum import StrEnum


class LedgerAccountObject(StrEnum):
    LEDGER_ACCOUNT = "ledger_account"

    def __str__(self) -> str:
        return str(self.value)
