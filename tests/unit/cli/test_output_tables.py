"""Table layout as Docker's tabwriter prints it (docker/cli formatter: minwidth 10, padding 3)."""

from nerdpy.cli.output import align, print_rows


def test_an_empty_ps_has_dockers_header_spacing() -> None:
    columns = [("ID", "CONTAINER ID"), ("Image", "IMAGE"), ("Command", "COMMAND"), ("CreatedAt", "CREATED"),
               ("Status", "STATUS"), ("Ports", "PORTS"), ("Names", "NAMES")]
    # `docker ps` on an idle daemon prints exactly this line.
    assert print_rows([], columns) == [
        "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES"]


def test_short_columns_are_ten_wide_and_long_ones_get_three_spaces() -> None:
    assert align([["TAG", "IMAGE ID"], ["latest", "20ae91a92188"]]) == [
        "TAG       IMAGE ID", "latest    20ae91a92188"]
    assert align([["REPOSITORY", "TAG"], ["busybox", "1"]]) == ["REPOSITORY   TAG", "busybox      1"]


def test_top_uses_a_wider_minimum_and_custom_tables_follow_the_same_rule() -> None:
    assert align([["UID", "PID"], ["root", "1"]], minwidth=20) == ["UID                 PID", "root                1"]
    assert print_rows([{"Names": "web", "Status": "Up"}], [("Names", "NAMES")], "table {{.Names}}\t{{.Status}}") == [
        "NAMES     STATUS", "web       Up"]


def test_json_rows_and_inspect_keep_non_ascii_text_as_docker_does() -> None:
    from nerdpy.cli.each import inspect_lines

    # docker/cli writes UTF-8 (Go's encoder escapes no non-ASCII): "é", never "\u00e9".
    assert print_rows([{"Labels": "k=é<&>"}], [("Labels", "LABELS")], "json") == ['{"Labels":"k=é<&>"}']
    assert inspect_lines([{"Name": "/é"}], None) == ['[\n    {\n        "Name": "/é"\n    }\n]']
