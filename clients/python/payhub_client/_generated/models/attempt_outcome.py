from enum import StrEnum


class AttemptOutcome(StrEnum):
    DECLINED = "declined"
    NOT_PROCESSED = "not_processed"
    PROCESSING = "processing"
    REQUIRES_ACTION = "requires_action"
    SUCCEEDED = "succeeded"

    def __str__(self) -> str:
        return str(self.value)
