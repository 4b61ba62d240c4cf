from __future__ import annotations

from .._endpoint import Endpoint
from .models import SendMsgDataRequest, SendMsgDataResponse

send_msg_data = Endpoint(
    "POST",
    "/cityservice/sendmsgdata",
    SendMsgDataRequest,
    SendMsgDataResponse,
    # Each call is a message to a user: a replay after a timeout could notify them twice.
    idempotent=False,
    source="seed 000, section 1-3",
)
