from enum import StrEnum


class AccountCapabilitiesCurrenciesType0(StrEnum):
    ANY = "any"

    def __str__(self) -> str:
        return str(self.value)
