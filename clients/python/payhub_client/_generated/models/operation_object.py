from enum import StrEnum


class OperationObject(StrEnum):
    OPERATION = "operation"

    def __str__(self) -> str:
        return str(self.value)
