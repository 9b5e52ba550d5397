from enum import StrEnum


class EventObject(StrEnum):
    EVENT = "event"

    def __str__(self) -> str:
        return str(self.value)
