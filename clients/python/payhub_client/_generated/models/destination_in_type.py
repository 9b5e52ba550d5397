from enum import StrEnum


class DestinationInType(StrEnum):
    BANK_ACCOUNT = "bank_account"
    CARD = "card"

    def __str__(self) -> str:
        return str(self.value)
