"""``client.cityservice``: City Service message path."""

from __future__ import annotations

from .._endpoint import Namespace
from . import _endpoints
from .models import SendMsgDataRequest, SendMsgDataResponse, TemplateValue, TemplateValueParam

__all__ = [
    "CityServiceNamespace",
    "SendMsgDataRequest",
    "SendMsgDataResponse",
    "TemplateValue",
    "TemplateValueParam",
]


class CityServiceNamespace(Namespace):
    domain = "cityservice"
    send_msg_data = _endpoints.send_msg_data
