"""Variable substitution as BuildKit's shell lexer does it (every modifier, quotes, errors)."""

import pytest

from nerdpy.build.dockerfile.lexer import Lexer, LexError

ENV = {"a": "hello/world.tar.gz", "e": "", "n": "1"}


@pytest.mark.parametrize("text, want", [
    ("$a", "hello/world.tar.gz"),
    ("${a}", "hello/world.tar.gz"),
    ("pre${a}post", "prehello/world.tar.gzpost"),
    ("$unset", ""),
    ("$", "$"),
    ("a$", "a$"),
    ("$1x", "x"),  # a name starting with a digit takes only digits
    ("${b:-def}", "def"), ("${e:-def}", "def"), ("${e-def}", ""), ("${b-def}", "def"),
    ("${a:+alt}", "alt"), ("${e:+alt}", ""), ("${e+alt}", "alt"), ("${b+alt}", ""),
    ("${b:-$n}", "1"),  # the word is itself expanded
    ("${a#*/}", "world.tar.gz"), ("${a##*.}", "gz"),
    ("${a%.*}", "hello/world.tar"), ("${a%%.*}", "hello/world"),
    ("${a#nomatch}", "hello/world.tar.gz"),
    ("${a/o/0}", "hell0/world.tar.gz"), ("${a//o/0}", "hell0/w0rld.tar.gz"),
    ("${a//o}", "hell/wrld.tar.gz"), ("${a/h?l/X}", "Xlo/world.tar.gz"),
    ("${a%\\*}", "hello/world.tar.gz"),  # escaped star is literal
    ("'$a'", "$a"),
    ('"$a"', "hello/world.tar.gz"),
    ('"\\$a"', "$a"), ('"\\n"', "\\n"), ('"\\""', '"'),
    ("\\$a", "$a"), ("\\${a}", "${a}"),
    ("a\\ b", "a b"),
    ('"a b"c', "a bc"),
])
def test_word(text, want):
    assert Lexer().word(text, ENV) == want


def test_backtick_escape():
    assert Lexer(escape="`").word("`$a C:\\dir", ENV) == "$a C:\\dir"


@pytest.mark.parametrize("text, message", [
    ("${}", "bad substitution"),
    ("${:x}", "bad substitution"),
    ("${a", "syntax error: missing '}'"),
    ("${a:-x", "syntax error: missing '}'"),
    ("${a:#x}", "unsupported modifier (#) in substitution"),
    ("${a^x}", "unsupported modifier (^) in substitution"),
    ("${e:?}", "e: is not allowed to be empty"),
    ("${b?}", "b: is not allowed to be unset"),
    ("${b:?custom}", "b: custom"),
    ("'open", "matching single-quote"),
    ('"open', "matching double-quote"),
])
def test_errors(text, message):
    with pytest.raises(LexError) as info:
        Lexer().word(text, ENV)
    assert message in str(info.value)


def test_question_passes_when_set():
    assert Lexer().word("${e?}", ENV) == ""
    assert Lexer().word("${n:?}", ENV) == "1"


def test_words_split_outside_quotes():
    assert Lexer().words('80 "a b" $n  \'c d\'', ENV) == ["80", "a b", "1", "c d"]
    assert Lexer().words('""', ENV) == [""]


def test_raw_keeps_quotes_and_escapes():
    assert Lexer(raw=True).word("echo '$a' \"$n\" \\$n", ENV) == "echo '$a' \"1\" \\$n"


def test_used_names_recorded():
    lex = Lexer()
    lex.word("$a ${b:-x} '$c'", ENV)
    assert lex.used == {"a", "b"}


def test_skip_unset_keeps_text():
    assert Lexer(skip_unset=True).word("$zz ${zz} $n", ENV) == "$zz ${zz} 1"
