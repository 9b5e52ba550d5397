from enum import StrEnum


class StatsObject(StrEnum):
    STATS = "stats"

    def __str__(self) -> str:
        return str(self.value)
