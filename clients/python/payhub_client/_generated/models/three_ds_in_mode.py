from enum import StrEnum


class ThreeDSInMode(StrEnum):
    ALWAYS = "always"
    IF_REQUIRED = "if_required"
    NEVER = "never"

    def __str__(self) -> str:
        return str(self.value)
