import pytest

from generator.yamltext import YamlProblem, parse_yaml


def test_every_scalar_is_text() -> None:
    data = parse_yaml("a: NO\nb: 02142\nc: 10:00\nd: 2024-02-30\ne: yes\nf: 1.5\n")
    assert data == {"a": "NO", "b": "02142", "c": "10:00", "d": "2024-02-30", "e": "yes", "f": "1.5"}


def test_bare_yes_key_stays_text() -> None:
    assert list(parse_yaml("yes: 1\n")) == ["yes"]


def test_empty_and_null_are_none_but_quoted_null_is_text() -> None:
    assert parse_yaml("a:\nb: ~\nc: null\nd: 'null'\n") == {"a": None, "b": None, "c": None, "d": "null"}


def test_lines_are_kept() -> None:
    data = parse_yaml("a: 1\nb:\n  - x\n  - y\n", first_line=10)
    assert data.line == 10
    assert data.key_lines == {"a": 10, "b": 11}
    assert data["b"].item_lines == [12, 13]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a: 1\nb: 2\na: 3\n", 3, "duplicate key `a` (first set on line 1)"),
        ("a: !!python/object:os.system x\n", 1, "YAML tag `tag:yaml.org,2002:python/object:os.system` is not allowed"),
        ("a: !!set {x}\n", 1, "YAML tag `tag:yaml.org,2002:set` is not allowed"),
        ("a: !!binary aGk=\n", 1, "YAML tag `tag:yaml.org,2002:binary` is not allowed"),
        ("a: &x [1]\nb: *x\n", 1, "YAML anchors and aliases (`&name`, `*name`) are not supported"),
        ("a: &x text\nb: *x\n", 1, "YAML anchors and aliases (`&name`, `*name`) are not supported"),
        ("a: 1\n---\nb: 2\n", 2, "more than one YAML document in this file"),
        ("a: [1\n", 2, "invalid YAML: did not find expected ',' or ']'"),
        ("a: b: c\n", 1, "invalid YAML: mapping values are not allowed in this context"),
    ],
)
def test_problems_have_lines(text: str, line: int, message: str) -> None:
    with pytest.raises(YamlProblem) as caught:
        parse_yaml(text)
    assert (caught.value.line, caught.value.message) == (line, message)


def test_alias_bomb_fails_fast() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 30)]
    with pytest.raises(YamlProblem, match="anchors"):
        parse_yaml("\n".join(lines))


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(YamlProblem, match=r"nesting depth|nested"):
        parse_yaml("[" * 5000 + "]" * 5000)
