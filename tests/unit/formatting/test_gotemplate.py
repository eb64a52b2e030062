"""The Go-template subset Docker users type in --format."""

from __future__ import annotations

import pytest

from nerdpy.errors import InvalidArgument
from nerdpy.formatting.gotemplate import render, table_header

DATA = {
    "ID": "abc",
    "Repository": "busybox",
    "Tag": "latest",
    "RepoTags": ["busybox:latest", "bb:1"],
    "Config": {"Env": ["A=1", "B=2"], "Labels": {"b": "2", "a": "1", "x.y": "dots"}, "Entrypoint": None,
               "Cmd": ["sh"]},
    "Size": 1234,
    "Running": True,
    "Empty": [],
}


@pytest.mark.parametrize(
    "template,expected",
    [
        ("{{.Repository}}:{{.Tag}}", "busybox:latest"),
        ("{{.repository}}", "busybox"),
        ("{{.Config.Cmd}}", "[sh]"),
        ("{{.Config.Labels}}", "map[a:1 b:2 x.y:dots]"),
        ("{{.Missing}}", "<no value>"),
        ("{{json .Config.Cmd}}", '["sh"]'),
        ("{{.Config.Cmd | json}}", '["sh"]'),
        ('{{json "<&é>"}}', '"<&é>"'),  # docker context ls --format '{{json "<&é>"}}' prints "<&é>"
        ('{{index .Config.Labels "x.y"}}', "dots"),
        # a map[string]string's zero value: docker inspect -f '{{index .Config.Labels "nope"}}' prints ""
        ('[{{index .Config.Labels "nope"}}]', "[]"),
        ('{{.Config.Labels.nope}}', "<no value>"),
        ("{{index .RepoTags 1}}", "bb:1"),
        ('{{join .RepoTags ", "}}', "busybox:latest, bb:1"),
        ("{{len .RepoTags}}", "2"),
        ('{{range .RepoTags}}[{{.}}]{{end}}', "[busybox:latest][bb:1]"),
        ('{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}', "a=1;b=2;x.y=dots;"),
        ('{{range $i, $t := .RepoTags}}{{$i}}{{$t}} {{end}}', "0busybox:latest 1bb:1 "),
        ("{{range .Empty}}x{{else}}none{{end}}", "none"),
        ("{{if .Running}}up{{else}}down{{end}}", "up"),
        ('{{if eq .Tag "x"}}x{{else if eq .Tag "latest"}}L{{else}}?{{end}}', "L"),
        ('{{if and .Running (gt .Size 1000)}}big{{end}}', "big"),
        ('{{if not .Empty}}empty{{end}}', "empty"),
        ("{{with .Config}}{{.Cmd}}{{end}}", "[sh]"),
        ('{{printf "%s-%d" .Tag .Size}}', "latest-1234"),
        ("{{upper .Tag}} {{lower \"AB\"}} {{title .Repository}}", "LATEST ab Busybox"),
        ('{{(index .RepoTags 0) | upper}}', "BUSYBOX:LATEST"),
        ("{{$x := .Tag}}{{$x}}{{$.ID}}", "latestabc"),
        ("a  {{- .ID -}}  b", "aabcb"),
        ("{{/* a comment */}}ok", "ok"),
        ("{{.ID}}\\t{{.Tag}}", "abc\tlatest"),
        ('{{split "a:b" ":"}}', "[a b]"),
        ("{{truncate .Repository 3}}", "bus"),
    ],
)
def test_render(template, expected):
    assert render(template, DATA) == expected


@pytest.mark.parametrize("template", ["{{.ID", "{{if .ID}}x", "{{end}}", "{{nosuchfunc .ID}}", "{{.ID 3}}",
                                      "{{index .RepoTags 9}}", "{{$nope}}"])
def test_bad_templates_are_one_line_errors(template):
    with pytest.raises(InvalidArgument):
        render(template, DATA)


def test_table_header():
    assert table_header("table {{.ID}}") == ("{{.ID}}", True)
    assert table_header("{{.ID}}") == ("{{.ID}}", False)


def test_compile_template_checks_syntax_without_data():
    from nerdpy.formatting.gotemplate import compile_template

    compile_template("table {{.ID}}\t{{index .RepoTags 0}}")  # valid, even though it would fail on {}
    with pytest.raises(InvalidArgument):
        compile_template("{{.Nope")


NULLS = {"Config": {"Env": None, "Labels": None, "Healthcheck": None, "Hostname": None},
         "State": {"Status": "running"}}


@pytest.mark.parametrize("template,expected", [
    # Docker renders its typed structs: a null slice is `[]`, a null map `map[]`, a null pointer `<nil>`.
    ("{{.Config.Env}}|{{.Config.Labels}}|{{.Config.Healthcheck}}", "[]|map[]|<nil>"),
    ("{{.State.Health}}", "<nil>"),  # omitted from the JSON (omitempty), still a field of the type
    ("{{json .Config.Env}} {{json .Config.Labels}} {{json .Config.Healthcheck}}", "null null null"),
    ("{{len .Config.Env}}{{range .Config.Env}}x{{end}}{{if .Config.Labels}}y{{else}}n{{end}}", "0n"),
    ("{{if .Config.Healthcheck}}y{{else}}n{{end}}", "n"),
    ("{{.Config.Hostname}}|{{.Config.Missing}}", "<no value>|<no value>"),  # not a slice, map or pointer
])
def test_nulls_print_as_dockers_typed_nils(template, expected):
    assert render(template, NULLS) == expected


def test_template_errors_are_dockers_template_parsing_errors():
    """Docker's CLI exits 1 for a bad list --format ("template parsing error: ..."), not 125."""
    from nerdpy.errors import TemplateError, TemplateSyntaxError

    with pytest.raises(TemplateSyntaxError) as parse:
        render("{{.Bad", {})
    assert parse.value.exit_code == 1 and str(parse.value).startswith("template parsing error: template: ")
    with pytest.raises(TemplateError) as run:
        render("{{.A.B}}", {"A": "text"})
    assert run.value.exit_code == 1 and not isinstance(run.value, TemplateSyntaxError)
