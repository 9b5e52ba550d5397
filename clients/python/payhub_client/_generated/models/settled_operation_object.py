from enum import StrEnum


class SettledOperationObject(StrEnum):
    OPERATION = "operation"

    def __str__(self) -> str:
        return str(self.value)
