"""Image commands: images/image ls, tag, rmi/image rm, image inspect, history,
save, load, import, image prune, pull, push, login, logout."""

from __future__ import annotations

from nerdpy.cli.spec import Command, arg, flag, many, opt

_H = "nerdpy.cli.image:"

COMMANDS = {c.name: c for c in (
    Command("ls", "List images", _H + "ls", (
        arg("repository", metavar="REPOSITORY[:TAG]", help="Show only this repository", required=False),
        flag("--all", "-a", help="Show all images (default hides intermediate images)"),
        flag("--quiet", "-q", help="Only show image IDs"),
        flag("--digests", help="Show digests"),
        flag("--no-trunc", help="Don't truncate output"),
        many("--filter", "-f", help="Filter output: dangling=, reference=, label=, before=, since=, until="),
        opt("--format", help="Format output: table, json or a Go template"),
    )),
    Command("tag", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", _H + "tag", (
        arg("source", metavar="SOURCE_IMAGE[:TAG]", completes="images"),
        arg("target", metavar="TARGET_IMAGE[:TAG]"),
    )),
    Command("rm", "Remove one or more images", _H + "rmi", (
        arg("images", metavar="IMAGE...", help="Images (names or IDs)", many=True, completes="images"),
        flag("--force", "-f", help="Force removal of the image"),
        flag("--no-prune", help="Do not delete untagged parents (nerdpy keeps no parent images)"),
    )),
    Command("inspect", "Display detailed information on one or more images", _H + "inspect", (
        arg("images", metavar="IMAGE...", many=True, completes="images"),
        opt("--format", "-f", help="Format output: json or a Go template"),
    )),
    Command("history", "Show the history of an image", _H + "history", (
        arg("image", metavar="IMAGE", completes="images"),
        flag("--human", "-H", default=True, help="Print sizes and dates in human readable format"),
        flag("--no-trunc", help="Don't truncate output"),
        flag("--quiet", "-q", help="Only show image IDs"),
        opt("--format", help="Format output: table, json or a Go template"),
    )),
    Command("save", "Save one or more images to a tar archive (streamed to STDOUT by default)", _H + "save", (
        arg("images", metavar="IMAGE...", many=True, completes="images"),
        opt("--output", "-o", help="Write to a file, instead of STDOUT"),
        opt("--format", default="docker-archive", docker="-",
            help="docker-archive or oci-archive (the same dual-format tar), or oci-dir"),
    )),
    Command("load", "Load an image from a tar archive or STDIN", _H + "load", (
        opt("--input", "-i", help="Read from tar archive file (or OCI layout directory), instead of STDIN"),
        flag("--quiet", "-q", help="Suppress the load output"),
        opt("--platform", help="Load this platform of a multi-platform image"),
    )),
    Command("import", "Import the contents from a tarball to create a filesystem image",
            _H + "import_", (
                arg("file", metavar="file|-", help="Tarball, directory, or - for STDIN"),
                arg("reference", metavar="REPOSITORY[:TAG]", required=False),
                many("--change", "-c", help="Apply Dockerfile instruction to the created image"),
                opt("--message", "-m", default="", help="Set commit message for imported image"),
                opt("--platform", help="Set platform (os/arch[/variant])"),
            )),
    Command("prune", "Remove unused images", _H + "prune", (
        flag("--all", "-a", help="Remove all unused images, not just dangling ones"),
        flag("--force", "-f", help="Do not prompt for confirmation"),
        many("--filter", help="Provide filter values (label=, until=)"),
    )),
    Command("pull", "Download an image from a registry", "nerdpy.cli.image_pull:pull", (
        arg("name", metavar="NAME[:TAG|@DIGEST]"),
        opt("--platform", help="Set platform if server is multi-platform capable"),
        flag("--quiet", "-q", help="Suppress verbose output"),
        flag("--all-tags", "-a", help="Download all tagged images (not supported)"),
        flag("--disable-content-trust", default=True,
             help="Skip image verification (always: nerdpy has no content trust)"),
    )),
    Command("push", "Upload an image to a registry", "nerdpy.cli.image_push:push", (
        arg("name", metavar="NAME[:TAG]", completes="images"),
        flag("--quiet", "-q", help="Suppress verbose output"),
        flag("--all-tags", "-a", help="Push all tags of an image to the repository"),
        opt("--platform", help="Push a platform-specific manifest as a single-platform image to the registry"),
        flag("--disable-content-trust", help="Skip image signing (always: nerdpy has no content trust)", default=True),
    )),
    Command("login", "Log in to a registry", "nerdpy.cli.login:login", (
        arg("server", metavar="SERVER", required=False),
        opt("--username", "-u", help="Username"),
        opt("--password", "-p", help="Password"),
        flag("--password-stdin", help="Take the password from stdin"),
    )),
    Command("logout", "Log out from a registry", "nerdpy.cli.login:logout", (
        arg("server", metavar="SERVER", required=False),
    )),
)}
