from enum import StrEnum


class ReconciliationItemObject(StrEnum):
    RECONCILIATION_ITEM = "reconciliation_item"

    def __str__(self) -> str:
        return str(self.value)
