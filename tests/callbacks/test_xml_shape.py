"""WeChat's flat push shape is read without lxml; whatever that reading takes, lxml reads the
same way, and whatever lxml refuses, it leaves to lxml (which refuses it)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from wechat_async.callbacks._xml import _flat_fields, _lxml_fields, xml_fields
from wechat_async.errors import MalformedMessageError

# Characters that matter to XML: markup, entities, CDATA's end, whitespace XML does and does
# not count, line ends a parser rewrites, characters XML 1.0 refuses, and some beyond ASCII.
_TRICKY = (
    "<>&]![CDATA \t\n\r\x00\x01\x0b\x0c\x1f\x7f\x85\xa0\u3000"
    "\ud7ff\ue000\ufffd\ufffe\uffff\U0001f600xX"
)
_PLAIN = st.sampled_from("ab Z09_-.:/+=")  # most of a push
_OTHER = st.one_of(st.sampled_from(_TRICKY), st.characters(exclude_categories=("Cs", "Cc")))
_CHARS = st.tuples(_PLAIN, st.integers(0, 9), _OTHER).map(lambda t: t[2] if t[1] == 9 else t[0])
_NAME = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,6}", fullmatch=True)
_ODD_NAMES = st.sampled_from(["xml", "a:b", "1a", "Ä", "-a", "a b", "a" * 300])
_NAMES = st.tuples(_NAME, st.integers(0, 19), _ODD_NAMES).map(
    lambda t: t[2] if t[1] == 19 else t[0]
)
_SPACE = st.tuples(st.text(alphabet=" \t\n", max_size=2), st.integers(0, 19)).map(
    lambda t: "\r\n" if t[1] == 19 else t[0]
)


@st.composite
def _content(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        text = draw(st.text(alphabet=_CHARS, max_size=8))
        parts.append(f"<![CDATA[{text}]]>" if draw(st.booleans()) else text)
    return "".join(parts)


@st.composite
def _documents(draw: st.DrawFn) -> bytes:
    fields = []
    for _ in range(draw(st.integers(0, 5))):
        name, close = draw(_NAMES), None
        if draw(st.integers(0, 29)) == 29:
            close = draw(_NAMES)  # a mismatched end tag
        fields.append(f"{draw(_SPACE)}<{name}>{draw(_content())}</{close or name}>")
    return f"<xml>{''.join(fields)}{draw(_SPACE)}</xml>".encode("utf-8", "surrogatepass")


def _by_lxml(body: bytes) -> dict[str, Any] | None:
    try:
        return _lxml_fields(body)
    except MalformedMessageError:
        return None


@pytest.mark.slow
@settings(max_examples=1500, deadline=None)
@given(body=st.one_of(_documents(), st.binary(max_size=60).map(lambda b: b"<xml>" + b)))
@example(body=b"<xml><A><![CDATA[a]]>b]]></A></xml>")  # "]]>" outside a section
@example(body=b"<xml><A><![CDATA[a]]]]><![CDATA[>]]></A></xml>")  # "]]>" split in two
@example(body=b"<xml><A>a\r\nb</A></xml>")  # a parser turns \r\n into \n
@example(body=b"<xml><A>\xef\xbf\xbe</A></xml>")  # U+FFFE
@example(body=b"<xml><A>\xff</A></xml>")  # not UTF-8
@example(body=b"<xml><A></A><A>2</A></xml>")  # the last of a repeated name
def test_the_flat_reading_takes_only_what_lxml_reads_the_same_way(body: bytes) -> None:
    flat = _flat_fields(body)
    if flat is not None:
        assert flat == _by_lxml(body)


@pytest.mark.parametrize(
    "body",
    [
        b"<xml><ToUserName><![CDATA[gh_1]]></ToUserName><CreateTime>1700000000</CreateTime>"
        b"<Event> <![CDATA[giftcard_pay_done]]> </Event></xml>",
        b"<xml>\n  <Encrypt><![CDATA[a+b/c==]]></Encrypt>\n"
        b"  <Note>\xe4\xbd\xa0\xe5\xa5\xbd</Note>\n</xml>",
        b"<xml><Empty></Empty><Two><![CDATA[a]]><![CDATA[b]]></Two><Gt>1 > 0</Gt></xml>",
    ],
    ids=["push", "encrypted-envelope", "edges"],
)
def test_wechat_shaped_pushes_take_the_flat_reading(body: bytes) -> None:
    flat = _flat_fields(body)
    assert flat is not None
    assert flat == _lxml_fields(body) == xml_fields(body)


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0" encoding="utf-8"?><xml><A>1</A></xml>',
        b'<xml><A x="1">1</A></xml>',
        b"<xml><A><B>1</B></A></xml>",
        b"<xml><A>&amp;</A></xml>",
        b"<xml><!-- c --><A>1</A></xml>",
    ],
    ids=["declaration", "attribute", "nested", "entity", "comment"],
)
def test_other_shapes_are_left_to_lxml(body: bytes) -> None:
    assert _flat_fields(body) is None
    assert xml_fields(body) == _lxml_fields(body)
