"""Receiving pushes inside a web framework: each module routes one ``CallbackRouter`` at the
exact path WeChat is given and at the same path with a trailing slash, both answered directly
(WeChat does not follow redirects). Each needs its framework's extra and nothing else.

- ``starlette``: ``callback_routes`` (``pip install 'wechat-async[starlette]'``)
- ``fastapi``: ``callback_api_router`` (``[fastapi]``)
- ``aiohttp``: ``callback_handler``, ``callback_subapp`` (``[aiohttp]``)
- ``django``: ``callback_path``, ``callback_view`` (``[django]``, served by an ASGI server)
- ``flask``: ``callback_blueprint``, ``callback_view`` (``[flask]``)
"""
