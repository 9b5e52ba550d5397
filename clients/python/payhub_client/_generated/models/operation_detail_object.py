from enum import StrEnum


class OperationDetailObject(StrEnum):
    OPERATION = "operation"

    def __str__(self) -> str:
        return str(self.value)
