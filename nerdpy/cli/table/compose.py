"""Compose commands (`nerdpy compose`): the group's project flags, given before the
subcommand, and docker compose's subcommands; bodies in nerdpy.cli.compose and,
for up, run and exec, nerdpy.cli.compose_<verb>."""

from __future__ import annotations

from nerdpy.cli.spec import Command, Flag, Group, arg, flag, many, opt

_C = "nerdpy.cli.compose:"

GROUP = Group("compose", "Define and run multi-container applications", _C + "project_options", (
    many("--file", "-f", help="Compose configuration files"),
    opt("--project-name", "-p", default="", help="Project name"),
    opt("--project-directory", default="",
        help="Specify an alternate working directory (default: the path of the first specified Compose file)"),
    many("--env-file", help="Specify an alternate environment file"),
    many("--profile", help="Specify a profile to enable"),
    opt("--ansi", default="auto", help='Control when to print ANSI control characters ("never"|"always"|"auto")'),
    opt("--progress", default="auto", help="Set type of progress output (auto, tty, plain, json, quiet)"),
    opt("--parallel", type="int", default=-1, help="Control max parallelism, -1 for unlimited"),
))

_SERVICES = arg("services", metavar="SERVICE", help="Services", required=False, many=True)
_SERVICE = arg("service", help="Service")
_TIMEOUT = opt("--timeout", "-t", type="int", help="Specify a shutdown timeout in seconds")
_REMOVE_ORPHANS = flag("--remove-orphans", help="Remove containers for services not defined in the Compose file")
_FORCE_RECREATE = flag("--force-recreate",
                       help="Recreate containers even if their configuration and image haven't changed")
_NO_RECREATE = flag("--no-recreate", help="If containers already exist, don't recreate them")
_PULL = opt("--pull", default="", help='Pull image before running ("always"|"missing"|"never")')
_QUIET_PULL = flag("--quiet-pull", help="Pull without printing progress information")
_NO_LOG_PREFIX = flag("--no-log-prefix", help="Don't print prefix in logs")
_NO_TTY = flag("--no-TTY", "-T", name="no_tty", help="Disable pseudo-TTY allocation (default: auto-detected)")
_ENV = many("--env", "-e", help="Set environment variables")
_USER = opt("--user", "-u", default="", help="Run as specified username or uid")
_WORKDIR = opt("--workdir", "-w", default="", help="Working directory inside the container")
_NO_DEPS = flag("--no-deps", help="Don't start linked services")


def _index(default: int) -> Flag:
    return opt("--index", type="int", default=default, help="Index of the container if service has multiple replicas")


COMMANDS = {c.name: c for c in (
    Command("config", "Parse, resolve and render compose file in canonical format", _C + "config", (
        arg("selected", metavar="SERVICE", help="Services", required=False, many=True),
        opt("--format", default="yaml", help="Format the output. Values: [yaml | json]"),
        flag("--quiet", "-q", help="Only validate the configuration, don't print anything"),
        flag("--services", help="Print the service names, one per line"),
        flag("--volumes", help="Print the volume names, one per line"),
        flag("--networks", help="Print the network names, one per line"),
        flag("--profiles", help="Print the profile names, one per line"),
        flag("--images", help="Print the image names, one per line"),
        opt("--hash", default="", help="Print the service config hash, one per line"),
        flag("--no-interpolate", help="Don't interpolate environment variables"),
        opt("--output", "-o", default="", help="Save to file (default to stdout)"),
    )),
    Command("up", "Create and start containers", "nerdpy.cli.compose_up:up", (
        _SERVICES,
        flag("--detach", "-d", help="Detached mode: Run containers in the background"),
        flag("--wait", help="Wait for services to be running|healthy. Implies detached mode."),
        opt("--wait-timeout", type="int", default=0,
            help="Maximum duration in seconds to wait for the project to be running|healthy"),
        _FORCE_RECREATE,
        _NO_RECREATE,
        flag("--always-recreate-deps", help="Recreate dependent containers. Incompatible with --no-recreate."),
        flag("--renew-anon-volumes", "-V",
             help="Recreate anonymous volumes instead of retrieving data from the previous containers"),
        _REMOVE_ORPHANS,
        flag("--abort-on-container-exit", help="Stops all containers if any container was stopped"),
        flag("--abort-on-container-failure", help="Stops all containers if any container exited with failure"),
        opt("--exit-code-from", default="",
            help="Return the exit code of the selected service container. Implies --abort-on-container-exit"),
        many("--scale", help="Scale SERVICE to NUM instances. Overrides the scale setting in the Compose file if present"),
        _NO_DEPS,
        opt("--timeout", "-t", type="int", help="Use this timeout in seconds for container shutdown"),
        flag("--no-start", help="Don't start the services after creating them"),
        many("--attach", help="Restrict attaching to the specified services"),
        flag("--attach-dependencies", help="Automatically attach to log output of dependent services"),
        many("--no-attach", help="Do not attach (stream logs) to the specified services"),
        _NO_LOG_PREFIX,
        flag("--no-color", help="Produce monochrome output"),
        flag("--timestamps", help="Show timestamps"),
        _PULL,
        _QUIET_PULL,
        flag("--no-build", help="Don't build an image, even if it's policy"),
        flag("--build", help="Build images before starting containers"),
    )),
    Command("down", "Stop and remove containers, networks", _C + "down", (
        flag("--volumes", "-v", help='Remove named volumes declared in the "volumes" section of the Compose file '
                                     "and anonymous volumes attached to containers"),
        opt("--rmi", default="", help='Remove images used by services. "local" remove only images that don\'t have '
                                      'a custom tag ("local"|"all")'),
        _REMOVE_ORPHANS,
        _TIMEOUT,
    )),
    Command("ps", "List containers", _C + "ps", (
        arg("selected", metavar="SERVICE", help="Services", required=False, many=True),
        flag("--all", "-a", help="Show all stopped containers (including those created by the run command)"),
        flag("--quiet", "-q", help="Only display IDs"),
        flag("--services", help="Display services"),
        many("--status", help="Filter services by status. Values: [paused | restarting | removing | running | "
                              "dead | created | exited]"),
        many("--filter", help="Filter services by a property (supported filters: status)"),
        opt("--format", default="table", help="Format output using a custom template, 'table' or 'json'"),
        flag("--no-trunc", help="Don't truncate output"),
    )),
    Command("logs", "View output from containers", _C + "logs", (
        _SERVICES,
        flag("--follow", "-f", help="Follow log output"),
        opt("--tail", "-n", default="all", help="Number of lines to show from the end of the logs for each container"),
        flag("--timestamps", "-t", help="Show timestamps"),
        _NO_LOG_PREFIX,
        flag("--no-color", help="Produce monochrome output"),
        opt("--since", default="", help="Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative "
                                        "(e.g. 42m for 42 minutes)"),
        opt("--until", default="", help="Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative "
                                        "(e.g. 42m for 42 minutes)"),
        _index(0),
    )),
    Command("exec", "Execute a command in a running container", "nerdpy.cli.compose_exec:exec_", (
        _SERVICE,
        arg("command", metavar="COMMAND [ARGS...]", help="Command and arguments", many=True),
        flag("--detach", "-d", help="Detached mode: Run command in the background"),
        flag("--no-TTY", "-T", name="no_tty",
             help="Disable pseudo-TTY allocation. By default `docker compose exec` allocates a TTY."),
        _ENV,
        opt("--user", "-u", default="", help="Run the command as this user"),
        opt("--workdir", "-w", default="", help="Path to workdir directory for this command"),
        _index(0),
        flag("--privileged", help="Give extended privileges to the process"),
    ), interspersed=False),
    Command("run", "Run a one-off command on a service", "nerdpy.cli.compose_run:run", (
        _SERVICE,
        arg("command", metavar="[COMMAND] [ARGS...]", help="Command and arguments", required=False, many=True),
        flag("--detach", "-d", help="Run container in background and print container ID"),
        flag("--rm", help="Automatically remove the container when it exits"),
        opt("--name", default="", help="Assign a name to the container"),
        opt("--entrypoint", help="Override the entrypoint of the image"),
        _ENV,
        many("--label", "-l", help="Add or override a label"),
        many("--publish", "-p", help="Publish a container's port(s) to the host"),
        flag("--service-ports", "-P", help="Run command with all service's ports enabled and mapped to the host"),
        many("--volume", "-v", help="Bind mount a volume"),
        _USER,
        _WORKDIR,
        _NO_DEPS,
        _NO_TTY,
        flag("--interactive", "-i", default=True, help="Keep STDIN open even if not attached"),
        flag("--use-aliases", help="Use the service's network aliases in the network(s) the container connects to"),
        many("--cap-add", help="Add Linux capabilities"),
        many("--cap-drop", help="Drop Linux capabilities"),
    ), interspersed=False),
    Command("create", "Creates containers for a service", _C + "create", (
        _SERVICES, _FORCE_RECREATE, _NO_RECREATE, _PULL, _QUIET_PULL,
    )),
    Command("start", "Start services", _C + "start", (_SERVICES,)),
    Command("stop", "Stop services", _C + "stop", (_SERVICES, _TIMEOUT)),
    Command("restart", "Restart service containers", _C + "restart", (
        _SERVICES, _TIMEOUT, flag("--no-deps", help="Don't restart dependent services"))),
    Command("kill", "Force stop service containers", _C + "kill", (
        _SERVICES,
        opt("--signal", "-s", default="SIGKILL", help="SIGNAL to send to the container"),
        _REMOVE_ORPHANS,
    )),
    Command("pause", "Pause services", _C + "pause", (_SERVICES,)),
    Command("unpause", "Unpause services", _C + "unpause", (_SERVICES,)),
    Command("rm", "Removes stopped service containers", _C + "rm", (
        _SERVICES,
        flag("--force", "-f", help="Don't ask to confirm removal"),
        flag("--stop", "-s", help="Stop the containers, if required, before removing"),
        flag("--volumes", "-v", help="Remove any anonymous volumes attached to containers"),
    )),
    Command("scale", "Scale services", "nerdpy.cli.compose_up:scale", (
        arg("replicas", metavar="SERVICE=REPLICAS", help="Services and their replica counts", many=True),
        _NO_DEPS,
    )),
    Command("wait", "Block until containers of all (or specified) services stop.", _C + "wait", (
        arg("services", metavar="SERVICE", help="Services", many=True),
        flag("--down-project", help="Drops project when the first container stops"),
    )),
    Command("top", "Display the running processes", _C + "top", (_SERVICES,)),
    Command("port", "Print the public port for a port binding", _C + "port", (
        _SERVICE,
        arg("private_port", help="Private port"),
        opt("--protocol", default="tcp", help="tcp or udp"),
        _index(1),
    )),
    Command("images", "List images used by the created containers", _C + "images", (
        _SERVICES,
        flag("--quiet", "-q", help="Only display IDs"),
        opt("--format", default="table", help="Format the output. Values: [table | json]"),
    )),
    Command("ls", "List running compose projects", _C + "ls", (
        flag("--all", "-a", help="Show all stopped Compose projects"),
        flag("--quiet", "-q", help="Only display project names"),
        many("--filter", help="Filter output based on conditions provided"),
        opt("--format", default="table", help="Format the output. Values: [table | json]"),
    )),
    Command("cp", "Copy files/folders between a service container and the local filesystem", _C + "cp", (
        arg("src", metavar="SRC_PATH"),
        arg("dest", metavar="DEST_PATH"),
        _index(0),
        flag("--all", help="Include containers created by the run command"),
        flag("--archive", "-a", help="Archive mode (copy all uid/gid information)"),
        flag("--follow-link", "-L", help="Always follow symbol link in SRC_PATH"),
    )),
    Command("pull", "Pull service images", _C + "pull", (
        _SERVICES,
        flag("--ignore-pull-failures", help="Pull what it can and ignores images with pull failures"),
        flag("--quiet", "-q", help="Pull without printing progress information"),
    )),
    Command("push", "Push service images", _C + "push", (
        _SERVICES,
        flag("--ignore-push-failures", help="Push what it can and ignores images with push failures"),
        flag("--quiet", "-q", help="Push without printing progress information"),
    )),
    Command("version", "Show the Docker Compose version information", _C + "version", (
        opt("--format", "-f", default="pretty", help="Format the output. Values: [pretty | json]"),
        flag("--short", help="Shows only Compose's version number"),
    )),
    Command("build", "Build or rebuild services", _C + "build", (
        _SERVICES,
        flag("--no-cache", help="Do not use cache when building the image"),
        flag("--pull", help="Always attempt to pull a newer version of the image"),
        flag("--quiet", "-q", help="Don't print anything to STDOUT"),
        many("--build-arg", help="Set build-time variables for services"),
    )),
    Command("events", "Receive real time events from containers", _C + "events", (
        _SERVICES,
        flag("--json", help="Output events as a stream of json objects"),
    )),
)}
