"""Member.short: the name docker compose prints for a container (getContainerNameWithoutProject)."""

from nerdpy_compose import labels as L
from nerdpy_compose.members import Member


def _member(name: str, service: str = "web", number: int = 1) -> Member:
    labels = {L.PROJECT: "shop", L.SERVICE: service, L.NUMBER: str(number)}
    return Member("id", name, service, number, False, "", "running", 0, "busybox", labels, {})


def test_a_default_name_loses_its_project():
    assert _member("shop-web-1").short == "web-1"
    assert _member("shop-my-svc-12", "my-svc", 12).short == "my-svc-12"


def test_a_container_name_or_one_off_is_whole():
    assert _member("shop-custom").short == "shop-custom"  # container_name: shop-custom
    assert _member("shop-web-run-0123456789ab", number=0).short == "shop-web-run-0123456789ab"
