"""The API's models (generated): ``from payhub_client.models import Payment, PaymentCreate``."""

from payhub_client._generated.models import *  # noqa: F403
from payhub_client._generated.models import __all__ as __all__  # noqa: F401
