"""Container commands: run, create, ps, start, stop, restart, kill, rm, wait,
pause, unpause, logs, inspect (and the top-level inspect), exec, top, stats, port,
attach, rename, prune, cp, export, diff, commit, update, and podman's healthcheck run."""

from __future__ import annotations

from nerdpy.cli.spec import Command, arg, flag, many, opt

_H = "nerdpy.cli.container:"
_R = "nerdpy.cli.container_run:"

# The CPU rows run/create and update share.
_CPU_PERIOD = opt("--cpu-period", type="int", default=0, help="Limit CPU CFS (Completely Fair Scheduler) period")
_CPU_QUOTA = opt("--cpu-quota", type="int", default=0, help="Limit CPU CFS (Completely Fair Scheduler) quota")
_CPUSET_CPUS = opt("--cpuset-cpus", default="", help="CPUs in which to allow execution (0-3, 0,1)")
_CPUSET_MEMS = opt("--cpuset-mems", default="", help="MEMs in which to allow execution (0-3, 0,1)")
# The other limit rows both take (--memory-swap's help differs between them in Docker's).
_MEMORY = opt("--memory", "-m", help="Memory limit", default="")
_MEMORY_RESERVATION = opt("--memory-reservation", default="", help="Memory soft limit")
_CPUS = opt("--cpus", help="Number of CPUs", default="")
_CPU_SHARES = opt("--cpu-shares", "-c", type="int", default=0, help="CPU shares (relative weight)")
_BLKIO_WEIGHT = opt("--blkio-weight", type="int", default=0,
                    help="Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)")
_PIDS_LIMIT = opt("--pids-limit", type="int", default=0, help="Tune container pids limit")

# Flags shared by run and create. A row's name is the CreateOptions field it fills
# (nerdpy.cli.container_run.build_options), except the few build_options reads
# itself: env, env_file, label_file, rootfs, storage_opt.
CREATE_FLAGS = (
    opt("--name", help="Assign a name to the container", default=""),
    many("--env", "-e", help="Set environment variables"),
    many("--env-file", help="Read in a file of environment variables"),
    opt("--workdir", "-w", help="Working directory inside the container", default=""),
    opt("--user", "-u", help="Username or UID (format: <name|uid>[:<group|gid>])", default=""),
    many("--group-add", help="Add additional groups to join"),
    opt("--hostname", "-h", help="Container host name", default=""),
    opt("--domainname", help="Container NIS domain name", default=""),
    flag("--tty", "-t", help="Allocate a pseudo-TTY"),
    flag("--interactive", "-i", help="Keep STDIN open even if not attached"),
    flag("--rm", name="auto_remove", help="Automatically remove the container when it exits"),
    many("--label", "-l", name="labels", help="Set meta data on a container"),
    many("--label-file", help="Read in a line delimited file of labels"),
    flag("--read-only", help="Mount the container's root filesystem as read only"),
    many("--tmpfs", help="Mount a tmpfs directory"),
    many("--volume", "-v", name="volumes", help="Bind mount a volume"),
    many("--mount", name="mounts", help="Attach a filesystem mount to the container"),
    many("--volumes-from", help="Mount volumes from the specified container(s)", completes="containers"),
    many("--network", name="networks", aliases=("--net",), help="Connect a container to a network",
         completes="networks"),
    many("--publish", "-p", help="Publish a container's port(s) to the host"),
    flag("--publish-all", "-P", help="Publish all exposed ports to random ports"),
    many("--expose", help="Expose a port or a range of ports"),
    many("--dns", help="Set custom DNS servers"),
    many("--dns-search", help="Set custom DNS search domains"),
    many("--dns-option", name="dns_options", aliases=("--dns-opt",), help="Set DNS options"),
    many("--add-host", name="add_hosts", help="Add a custom host-to-IP mapping (host:ip)"),
    many("--network-alias", name="network_aliases", help="Add network-scoped alias for the container"),
    opt("--ip", help="IPv4 address", default=""),
    flag("--init", help="Run an init inside the container that forwards signals and reaps processes"),
    opt("--stop-signal", help="Signal to stop the container", default=""),
    opt("--stop-timeout", type="int", help="Timeout (in seconds) to stop a container"),
    opt("--restart", default="no", help="Restart policy to apply when a container exits"),
    opt("--pull", default="missing", help='Pull image before running ("always", "missing", "never")'),
    opt("--platform", help="Set platform if server is multi-platform capable", default=""),
    many("--cap-add", help="Add Linux capabilities"),
    many("--cap-drop", help="Drop Linux capabilities"),
    flag("--privileged", help="Give extended privileges to this container"),
    many("--security-opt", help="Security Options"),
    many("--ulimit", name="ulimits", help="Ulimit options"),
    opt("--shm-size", help="Size of /dev/shm", default=""),
    many("--sysctl", name="sysctls", help="Sysctl options"),
    opt("--log-driver", default="json-file", help="Logging driver for the container"),
    many("--log-opt", name="log_opts", help="Log driver options"),
    _MEMORY,
    _CPUS,
    opt("--memory-swap", default="", help="Swap limit equal to memory plus swap: '-1' to enable unlimited swap"),
    _CPU_SHARES,
    _CPUSET_CPUS,
    _MEMORY_RESERVATION,
    _CPU_PERIOD,
    _CPU_QUOTA,
    _CPUSET_MEMS,
    opt("--memory-swappiness", type="int", default=-1, help="Tune container memory swappiness (0 to 100)"),
    flag("--oom-kill-disable", help="Disable OOM Killer"),
    _BLKIO_WEIGHT,
    many("--blkio-weight-device", help="Block IO weight (relative device weight)"),
    many("--device-read-bps", help="Limit read rate (bytes per second) from a device"),
    many("--device-write-bps", help="Limit write rate (bytes per second) to a device"),
    many("--device-read-iops", help="Limit read rate (IO per second) from a device"),
    many("--device-write-iops", help="Limit write rate (IO per second) to a device"),
    opt("--cgroup-parent", default="", help="Optional parent cgroup for the container"),
    _PIDS_LIMIT,
    opt("--entrypoint", help="Overwrite the default ENTRYPOINT of the image"),
    flag("--rootfs", docker="-",
         help="The first argument is a root filesystem directory, not an image (podman)"),
    many("--annotation", name="annotations",
         help="Add an annotation to the container (passed through to the OCI runtime)"),
    opt("--userns", help="User namespace to use: host (default) or keep-id (rootless: your uid inside)", default=""),
    many("--storage-opt", help="Storage driver options for the container (size: not supported)"),
    opt("--health-cmd", help="Command to run to check health", default=""),
    opt("--health-interval", help="Time between running the check (ms|s|m|h) (default 0s)", default=""),
    opt("--health-timeout", help="Maximum time to allow one check to run (ms|s|m|h) (default 0s)", default=""),
    opt("--health-start-period", default="",
        help="Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) "
             "(default 0s)"),
    opt("--health-start-interval", default="",
        help="Time between running the check during the start period (ms|s|m|h) (default 0s)"),
    opt("--health-retries", type="int", default=0, help="Consecutive failures needed to report unhealthy"),
    flag("--no-healthcheck", help="Disable any container-specified HEALTHCHECK"),
    many("--attach", "-a", help="Attach to STDIN, STDOUT or STDERR"),
    many("--device", name="devices", help="Add a host device to the container"),
    opt("--pid", default="", help="PID namespace to use"),
    opt("--ipc", default="", help="IPC mode to use"),
    opt("--uts", default="", help="UTS namespace to use"),
    opt("--cgroupns", default="", help="Cgroup namespace to use (host|private)"),
    many("--link", name="links", help="Add link to another container"),
    opt("--oom-score-adj", type="int", default=0, help="Tune host's OOM preferences (-1000 to 1000)"),
    opt("--gpus", default="", help="GPU devices to add to the container ('all' to pass all GPUs)"),
    opt("--mac-address", default="", help="Container MAC address (e.g., 92:d0:c6:0a:29:33)"),
)

_IMAGE = arg("image", help="Image (or, with --rootfs, the root filesystem directory)", completes="images")
_COMMAND = arg("command", help="Command and arguments", required=False, many=True)
_CIDFILE = opt("--cidfile", help="Write the container ID to the file")
_QUIET_PULL = flag("--quiet", "-q", help="Suppress the pull output")
_CONTAINERS = arg("containers", help="Containers", many=True, completes="containers")
_CONTAINER = arg("container", help="Container", completes="containers")
# Docker's completion offers only the containers a command can act on.
_RUNNING = arg("containers", help="Containers", many=True, completes="running-containers")
_RUNNING_ONE = arg("container", help="Container", completes="running-containers")
_SIZE = flag("--size", "-s", help="Display total file sizes")

_DETACH_KEYS = opt("--detach-keys", default="", help="Override the key sequence for detaching a container")

_LONG_STATS = """Without CONTAINER, the running containers (with --all, every container), newest first; a container that is not running shows zeros, as Docker's. CPU % is the share of the host's CPU time over the last second times the online CPUs (100% is one CPU busy); MEM USAGE leaves out inactive file pages, as Docker's; NET I/O counts the container's interfaces except loopback.

The figures come from the container's own cgroup (cgroup v2, or v1 as root), read directly (no daemon). Rootless on cgroup v1, or on v2 without controllers delegated to the user, a container has no cgroup of its own: CPU % and PIDS are then read from /proc for the processes in its PID namespace, NET I/O from its network namespace, and MEM USAGE / LIMIT, MEM % and BLOCK I/O show as --, with one warning on stderr that says so.

Streaming (without --no-stream), the table is redrawn in place each second on a terminal; into a pipe, each sample follows the last."""

COMMANDS = {c.name: c for c in (
    Command("run", "Create and run a new container from an image", _R + "run", (
        _IMAGE, _COMMAND,
        flag("--detach", "-d", help="Run container in background and print container ID"),
        _CIDFILE,
        opt("--sig-proxy", default="true", help="Proxy received signals to the process (true|false)"),
        _DETACH_KEYS, _QUIET_PULL, *CREATE_FLAGS), interspersed=False),
    Command("create", "Create a new container", _R + "create",
            (_IMAGE, _COMMAND, _CIDFILE, _QUIET_PULL, *CREATE_FLAGS), interspersed=False),
    Command("ps", "List containers", "nerdpy.cli.container_list:ps", (
        flag("--all", "-a", help="Show all containers (default shows just running)"),
        flag("--quiet", "-q", help="Only display container IDs"),
        opt("--last", "-n", type="int", default=-1, help="Show n last created containers (includes all states)"),
        flag("--latest", "-l", help="Show the latest created container (includes all states)"),
        _SIZE,
        flag("--no-trunc", help="Don't truncate output"),
        many("--filter", "-f", help="Filter output based on conditions provided"),
        opt("--format", help="Format output using a Go template, or 'json'"),
    )),
    Command("start", "Start one or more stopped containers", _H + "start", (
        # Docker's usage: the containers are optional only with --all
        arg("containers", metavar="CONTAINER [CONTAINER...]", help="Containers", required=False, many=True,
            completes="stopped-containers"),
        flag("--attach", "-a", help="Attach STDOUT/STDERR and forward signals"),
        flag("--interactive", "-i", help="Attach container's STDIN"),
        flag("--all", help="Start all stopped containers (restart on boot: see nerdpy-start(1))"),
        many("--filter", help="With --all: restart-policy=POLICY (repeatable; any of them)"),
        _DETACH_KEYS,
    )),
    Command("stop", "Stop one or more running containers", _H + "stop", (
        _RUNNING,
        opt("--time", "-t", type="int", help="Seconds to wait before killing the container"),
        opt("--signal", "-s", help="Signal to send to the container"),
    )),
    Command("restart", "Restart one or more containers", _H + "restart", (
        _CONTAINERS,
        opt("--time", "-t", type="int", help="Seconds to wait before killing the container"),
    )),
    Command("kill", "Kill one or more running containers", _H + "kill", (
        _RUNNING,
        opt("--signal", "-s", default="KILL", help="Signal to send to the container"),
    )),
    Command("rm", "Remove one or more containers", _H + "rm", (
        _CONTAINERS,
        flag("--force", "-f", help="Force the removal of a running container (uses SIGKILL)"),
        flag("--volumes", "-v", help="Remove anonymous volumes associated with the container"),
    )),
    Command("wait", "Block until one or more containers stop, then print their exit codes", _H + "wait",
            (_CONTAINERS,)),
    Command("pause", "Pause all processes within one or more containers", _H + "pause", (_RUNNING,)),
    Command("unpause", "Unpause all processes within one or more containers", _H + "unpause", (
        arg("containers", help="Containers", many=True, completes="paused-containers"),)),
    Command("logs", "Fetch the logs of a container", _H + "logs", (
        _CONTAINER,
        flag("--follow", "-f", help="Follow log output"),
        opt("--tail", "-n", default="all", help="Number of lines to show from the end of the logs"),
        flag("--timestamps", "-t", help="Show timestamps"),
        opt("--since", help="Show logs since timestamp or relative (e.g. 42m)"),
        opt("--until", help="Show logs before a timestamp or relative"),
        flag("--details", help="Show extra details provided to logs"),
    )),
    Command("inspect", "Display detailed information on one or more containers", _H + "inspect", (
        _CONTAINERS,
        opt("--format", "-f", help="Format output using a Go template"),
        _SIZE,
    )),
    Command("inspect-any", "Return low-level information on containers or images", _H + "inspect_any", (
        arg("names", metavar="NAME|ID", help="Containers or images", many=True, completes="objects"),
        opt("--format", "-f", help="Format output using a Go template"),
        opt("--type", help="Return JSON for specified type: container, image, network or volume"),
        _SIZE,
    )),
    Command("exec", "Execute a command in a running container", _H + "exec_", (
        _RUNNING_ONE,
        arg("command", help="Command and arguments", many=True),
        flag("--interactive", "-i", help="Keep STDIN open even if not attached"),
        flag("--tty", "-t", help="Allocate a pseudo-TTY"),
        flag("--detach", "-d", help="Detached mode: run command in the background"),
        many("--env", "-e", help="Set environment variables"),
        many("--env-file", help="Read in a file of environment variables"),
        opt("--workdir", "-w", default="", help="Working directory inside the container"),
        opt("--user", "-u", default="", help="Username or UID (format: <name|uid>[:<group|gid>])"),
        flag("--privileged", help="Give extended privileges to the command"),
        _DETACH_KEYS,
    ), interspersed=False),
    Command("top", "Display the running processes of a container", "nerdpy.cli.container:top", (
        _RUNNING_ONE,
        arg("ps_args", metavar="[ps OPTIONS]", help="Options for the host's ps (the PID column is needed)",
            required=False, many=True),
    ), interspersed=False),
    Command("stats", "Display a live stream of container(s) resource usage statistics",
            "nerdpy.cli.container_stats:stats", (
        arg("containers", help="Containers", required=False, many=True, completes="running-containers"),
        flag("--all", "-a", help="Show all containers (default shows just running)"),
        opt("--format", help="Format output using a Go template, 'table' or 'json'"),
        flag("--no-stream", help="Disable streaming stats and only pull the first result"),
        flag("--no-trunc", help="Do not truncate output"),
    ), long=_LONG_STATS),
    Command("port", "List port mappings or a specific mapping for the container", "nerdpy.cli.container:port", (
        _RUNNING_ONE,
        arg("private_port", metavar="PRIVATE_PORT[/PROTO]", help="Container port", required=False),
    )),
    Command("attach", "Attach local standard input, output, and error streams to a running container", "nerdpy.cli.container:attach", (
        _RUNNING_ONE,
        flag("--no-stdin", help="Do not attach STDIN"),
        flag("--sig-proxy", help="Proxy all received signals to the process", default=True),
        _DETACH_KEYS,
    )),
    Command("rename", "Rename a container", "nerdpy.cli.container:rename", (
        arg("container", completes="containers"),
        arg("new_name"),
    )),
    Command("prune", "Remove all stopped containers", "nerdpy.cli.container:prune", (
        flag("--force", "-f", help="Do not prompt for confirmation"),
        many("--filter", help="Provide filter values (e.g. 'label=<key>=<value>')"),
    )),
    Command("cp", "Copy files/folders between a container and the local filesystem", "nerdpy.cli.container:cp", (
        arg("src", metavar="SRC_PATH|CONTAINER:SRC_PATH", help="SRC_PATH or CONTAINER:SRC_PATH ('-': a tar stream on stdin)"),
        arg("dest", metavar="DEST_PATH|CONTAINER:DEST_PATH", help="DEST_PATH or CONTAINER:DEST_PATH ('-': a tar stream on stdout)"),
        flag("--archive", "-a", help="Archive mode (copy all uid/gid information)"),
        flag("--follow-link", "-L", help="Always follow symbol link in SRC_PATH"),
        flag("--quiet", "-q", help="Suppress progress output"),
    )),
    Command("export", "Export a container's filesystem as a tar archive", "nerdpy.cli.container:export", (
        arg("container", help="Container", completes="containers"),
        opt("--output", "-o", help="Write to a file, instead of STDOUT"),
    )),
    Command("diff", "Inspect changes to files or directories on a container's filesystem", "nerdpy.cli.container:diff", (
        arg("container", help="Container", completes="containers"),
    )),
    Command("commit", "Create a new image from a container's changes", "nerdpy.cli.container:commit", (
        arg("container", help="Container", completes="containers"),
        arg("repository", metavar="REPOSITORY[:TAG]", help="Repository and tag of the image", required=False),
        opt("--author", "-a", help="Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")", default=""),
        many("--change", "-c", help="Apply Dockerfile instruction to the created image"),
        opt("--message", "-m", help="Commit message", default=""),
        flag("--pause", "-p", help="Pause container during commit", default=True),
    )),
    Command("update", "Update configuration of one or more containers", "nerdpy.cli.container_update:update", (
        _CONTAINERS,
        opt("--restart", default="", help="Restart policy to apply when a container exits"),
        _MEMORY,
        opt("--memory-swap", default="", help="Swap limit equal to memory plus swap: -1 to enable unlimited swap"),
        _MEMORY_RESERVATION,
        _CPUS,
        _CPU_SHARES,
        _BLKIO_WEIGHT,
        _PIDS_LIMIT,
        _CPU_PERIOD,
        _CPU_QUOTA,
        _CPUSET_CPUS,
        _CPUSET_MEMS,
    )),
    Command("healthcheck-run", "Run the container's healthcheck once", "nerdpy.cli.healthcheck:run", (
        _CONTAINER,
    ), long="Exit status 0: healthy; 1: unhealthy (and it prints \"unhealthy\")."),
)}
