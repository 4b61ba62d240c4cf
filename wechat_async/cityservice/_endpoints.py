"""City Service endpoint descriptors: ``client.cityservice``'s calls, declared as data."""

from __future__ import annotations

from .._endpoint import Endpoint, Namespace
from .models import SendMsgDataRequest, SendMsgDataResponse


class CityServiceEndpoints(Namespace):
    """The City Service message path."""

    domain = "cityservice"

    send_msg_data = Endpoint(
        "POST",
        "/cityservice/sendmsgdata",
        SendMsgDataRequest,
        SendMsgDataResponse,
        # Each call is a message to a user: a replay after a timeout could notify them twice.
        idempotent=False,
        source=(
            "https://developers.weixin.qq.com/miniprogram/dev/server/API/cityservice/basic/"
            "api_cityservice_sendmsgdata.html"
        ),
    )
