from enum import StrEnum


class AccountSource(StrEnum):
    API = "api"
    CONFIG = "config"

    def __str__(self) -> str:
        return str(self.value)
