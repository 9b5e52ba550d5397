from enum import StrEnum


class ListReconciliationItemsKind(StrEnum):
    AMOUNT_MISMATCH = "amount_mismatch"
    CURRENCY_MISMATCH = "currency_mismatch"
    FEE = "fee"
    MATCHED = "matched"
    MISSING_AT_PROVIDER = "missing_at_provider"
    MISSING_IN_HUB = "missing_in_hub"
    SETTLEMENT = "settlement"
    STATUS_MISMATCH = "status_mismatch"

    def __str__(self) -> str:
        return str(self.value)
