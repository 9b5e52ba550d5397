from enum import StrEnum


class PayoutStatus(StrEnum):
    FAILED = "failed"
    PROCESSING = "processing"
    RETURNED = "returned"
    SUCCEEDED = "succeeded"

    def __str__(self) -> str:
        return str(self.value)
