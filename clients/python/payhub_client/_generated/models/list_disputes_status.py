from enum import StrEnum


class ListDisputesStatus(StrEnum):
    ACCEPTED = "accepted"
    INQUIRY = "inquiry"
    LOST = "lost"
    NEEDS_RESPONSE = "needs_response"
    UNDER_REVIEW = "under_review"
    WON = "won"

    def __str__(self) -> str:
        return str(self.value)
