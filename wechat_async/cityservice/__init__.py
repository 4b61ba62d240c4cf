"""``client.cityservice``: City Service message path."""

from __future__ import annotations

from ._endpoints import CityServiceEndpoints
from .models import SendMsgDataRequest, SendMsgDataResponse, TemplateValue, TemplateValueParam

__all__ = [
    "CityServiceNamespace",
    "SendMsgDataRequest",
    "SendMsgDataResponse",
    "TemplateValue",
    "TemplateValueParam",
]


class CityServiceNamespace(CityServiceEndpoints):
    """``client.cityservice``: messages to users through the City Service path."""
