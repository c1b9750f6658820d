"""The one image-reference parser: examples, and properties over generated references."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.engine import ImageRef, parse_reference


@pytest.mark.parametrize("text, repository, tag, digest, name", [
    ("busybox", "busybox", None, None, "busybox"),
    ("busybox:1.36", "busybox", "1.36", None, "busybox"),
    ("quay.io/jupyter/scipy-notebook", "quay.io/jupyter/scipy-notebook", None, None, "scipy-notebook"),
    ("quay.io/jupyter/scipy-notebook:2025-01-06", "quay.io/jupyter/scipy-notebook", "2025-01-06", None,
     "scipy-notebook"),
    # host:port: the ':' before the last '/' is the registry's port, not a tag
    ("127.0.0.1:5000/jtui-test/layers", "127.0.0.1:5000/jtui-test/layers", None, None, "layers"),
    ("127.0.0.1:5000/jtui-test/layers:v2", "127.0.0.1:5000/jtui-test/layers", "v2", None, "layers"),
    ("localhost:5000/a@sha256:" + "ab" * 32, "localhost:5000/a", None, "sha256:" + "ab" * 32, "a"),
    ("reg:443/ns/sub/name:tag@sha256:ff", "reg:443/ns/sub/name", "tag", "sha256:ff", "name"),
])
def test_examples(text, repository, tag, digest, name):
    ref = parse_reference(text)
    assert (ref.repository, ref.tag, ref.digest, ref.name) == (repository, tag, digest, name)
    assert str(ref) == text
    assert ref.tag_or_latest == (tag or "latest")


def test_frozen_and_comparable():
    ref = parse_reference("a/b:c")
    assert ref == ImageRef("a/b", "c")
    with pytest.raises(AttributeError):
        ref.tag = "d"


_component = st.from_regex(r"[a-z0-9]+(?:[._-][a-z0-9]+)*", fullmatch=True).filter(lambda s: len(s) < 30)
_host = st.one_of(
    st.builds(lambda name, port: f"{name}.example:{port}", _component, st.integers(1, 65535)),
    st.builds(lambda a, port: f"127.0.0.{a}:{port}", st.integers(0, 255), st.integers(1, 65535)),
    st.just("localhost:5000"),
)
_tag = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,40}", fullmatch=True)
_digest = st.from_regex(r"sha256:[0-9a-f]{64}", fullmatch=True)


@st.composite
def references(draw):
    host = draw(st.none() | _host)
    path = draw(st.lists(_component, min_size=1, max_size=4))
    repository = "/".join(([host] if host else []) + path)
    return repository, draw(st.none() | _tag), draw(st.none() | _digest), path[-1]


@given(references())
def test_generated_references_parse_and_round_trip(parts):
    repository, tag, digest, name = parts
    text = repository + (f":{tag}" if tag is not None else "") + (f"@{digest}" if digest is not None else "")
    ref = parse_reference(text)
    assert ref == ImageRef(repository, tag, digest)
    assert ref.name == name
    assert str(ref) == text


@given(st.text())
def test_arbitrary_text_never_raises_and_round_trips(text):
    ref = parse_reference(text)
    assert str(ref) == text
    assert "/" not in ref.name
    assert ref.tag_or_latest
