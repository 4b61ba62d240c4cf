"""The push URL's query is read exactly as ``urllib.parse.parse_qsl`` reads it."""

from __future__ import annotations

from urllib.parse import parse_qsl

from hypothesis import example, given, settings
from hypothesis import strategies as st

from wechat_async.callbacks._http import _query


@settings(max_examples=1000, deadline=None)
@given(raw=st.text(alphabet=st.sampled_from("ab=&%+;2F0 \u00e9"), max_size=30))
@example(raw="signature=ab&timestamp=1700000000&nonce=1&openid=o-_x")
@example(raw="a=&b&=c&&a=2")  # blank, no '=', no name, empty pair, repeated
@example(raw="a=%2F+b&c=d")  # escaped
def test_the_query_reads_as_parse_qsl_reads_it(raw: str) -> None:
    assert _query(raw) == dict(parse_qsl(raw))
