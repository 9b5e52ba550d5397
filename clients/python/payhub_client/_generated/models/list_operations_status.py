from enum import StrEnum


class ListOperationsStatus(StrEnum):
    PENDING = "pending"
    REQUIRES_REVIEW = "requires_review"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return str(self.value)
