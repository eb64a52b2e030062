"""Docker's default seccomp profile, as data, and its rendering for a spec.

Default action: EPERM. An allow-list of ordinary syscalls; the ones that create
namespaces, mount, load modules or trace other processes are allowed only when
the matching capability is granted; `clone` is allowed without namespace flags;
`clone3` answers ENOSYS so libc falls back to `clone`; `personality` is limited
to the harmless personas; `socket` refuses AF_VSOCK and AF_ALG. runc skips names the host's
libseccomp does not know, so one list serves every kernel.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

EPERM = 1
ENOSYS = 38
CLONE_NAMESPACE_FLAGS = 0x7E020000  # NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET
AF_ALG = 38
AF_VSOCK = 40

_ALLOWED = """
accept accept4 access adjtimex alarm bind brk cachestat capget capset chdir chmod chown chown32
clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64
clock_nanosleep clock_nanosleep_time64 close close_range connect copy_file_range creat dup dup2
dup3 epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait
epoll_wait_old eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2 fadvise64
fadvise64_64 fallocate fanotify_mark fchdir fchmod fchmodat fchmodat2 fchown fchown32 fchownat
fcntl fcntl64 fdatasync fgetxattr flistxattr flock fork fremovexattr fsetxattr fstat fstat64
fstatat64 fstatfs fstatfs64 fsync ftruncate ftruncate64 futex futex_requeue futex_time64
futex_wait futex_waitv futex_wake futimesat getcpu getcwd getdents getdents64 getegid getegid32
geteuid geteuid32 getgid getgid32 getgroups getgroups32 getitimer getpeername getpgid getpgrp
getpid getppid getpriority getrandom getresgid getresgid32 getresuid getresuid32 getrlimit
get_robust_list getrusage getsid getsockname getsockopt get_thread_area gettid gettimeofday getuid
getuid32 getxattr inotify_add_watch inotify_init inotify_init1 inotify_rm_watch io_cancel ioctl
io_destroy io_getevents io_pgetevents io_pgetevents_time64 ioprio_get ioprio_set io_setup
io_submit ipc kill landlock_add_rule landlock_create_ruleset landlock_restrict_self lchown
lchown32 lgetxattr link linkat listen listxattr llistxattr _llseek lremovexattr lseek lsetxattr
lstat lstat64 madvise map_shadow_stack membarrier memfd_create memfd_secret mincore mkdir mkdirat
mknod mknodat mlock mlock2 mlockall mmap mmap2 mprotect mq_getsetattr mq_notify mq_open
mq_timedreceive mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink mremap msgctl
msgget msgrcv msgsnd msync munlock munlockall munmap name_to_handle_at nanosleep newfstatat
_newselect open openat openat2 pause pidfd_open pidfd_send_signal pipe pipe2 pkey_alloc pkey_free
pkey_mprotect poll ppoll ppoll_time64 prctl pread64 preadv preadv2 prlimit64 process_mrelease
pselect6 pselect6_time64 pwrite64 pwritev pwritev2 read readahead readlink readlinkat readv recv
recvfrom recvmmsg recvmmsg_time64 recvmsg remap_file_pages removexattr rename renameat renameat2
restart_syscall rmdir rseq rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn
rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_getaffinity
sched_getattr sched_getparam sched_get_priority_max sched_get_priority_min sched_getscheduler
sched_rr_get_interval sched_rr_get_interval_time64 sched_setaffinity sched_setattr sched_setparam
sched_setscheduler sched_yield seccomp select semctl semget semop semtimedop semtimedop_time64
send sendfile sendfile64 sendmmsg sendmsg sendto setfsgid setfsgid32 setfsuid setfsuid32 setgid
setgid32 setgroups setgroups32 setitimer setpgid setpriority setregid setregid32 setresgid
setresgid32 setresuid setresuid32 setreuid setreuid32 setrlimit set_robust_list setsid setsockopt
set_thread_area set_tid_address setuid setuid32 setxattr shmat shmctl shmdt shmget shutdown
sigaltstack signalfd signalfd4 sigprocmask sigreturn socketcall socketpair splice stat stat64
statfs statfs64 statx symlink symlinkat sync sync_file_range syncfs sysinfo tee tgkill time
timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64 timer_settime
timer_settime64 timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime
timerfd_settime64 times tkill truncate truncate64 ugetrlimit umask uname unlink unlinkat utime
utimensat utimensat_time64 utimes vfork vmsplice wait4 waitid waitpid write writev
process_vm_readv process_vm_writev ptrace
""".split()

# (names, capability that unlocks them)
_BY_CAPABILITY: tuple[tuple[str, str], ...] = (
    ("open_by_handle_at", "CAP_DAC_READ_SEARCH"),
    (
        "bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie mount "
        "mount_setattr move_mount open_tree perf_event_open quotactl quotactl_fd setdomainname "
        "sethostname setns syslog umount umount2 unshare",
        "CAP_SYS_ADMIN",
    ),
    ("reboot", "CAP_SYS_BOOT"),
    ("chroot", "CAP_SYS_CHROOT"),
    ("delete_module init_module finit_module", "CAP_SYS_MODULE"),
    ("acct", "CAP_SYS_PACCT"),
    ("kcmp pidfd_getfd process_madvise", "CAP_SYS_PTRACE"),
    ("iopl ioperm", "CAP_SYS_RAWIO"),
    ("settimeofday stime clock_settime clock_settime64", "CAP_SYS_TIME"),
    ("vhangup", "CAP_SYS_TTY_CONFIG"),
    ("get_mempolicy mbind set_mempolicy set_mempolicy_home_node", "CAP_SYS_NICE"),
    ("syslog", "CAP_SYSLOG"),
    ("bpf", "CAP_BPF"),
    ("perf_event_open", "CAP_PERFMON"),
)

_BY_ARCH: dict[str, str] = {
    "x86_64": "arch_prctl modify_ldt",
    "aarch64": "arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls",
    "ppc64le": "sync_file_range2 swapcontext",
    "s390x": "s390_pci_mmio_read s390_pci_mmio_write s390_runtime_instr",
    "riscv64": "riscv_flush_icache",
}

_ARCHES: dict[str, list[str]] = {
    "x86_64": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    "aarch64": ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"],
    "ppc64le": ["SCMP_ARCH_PPC64LE"],
    "s390x": ["SCMP_ARCH_S390X", "SCMP_ARCH_S390"],
    "riscv64": ["SCMP_ARCH_RISCV64"],
}

_PERSONAS = (0x0, 0x8, 0x20000, 0x20008, 0xFFFFFFFF)


def _rule(names: list[str], action: str = "SCMP_ACT_ALLOW", **extra: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {"names": names, "action": action}
    rule.update(extra)
    return rule


def _allow_except(name: str, refused: tuple[int, ...]) -> list[dict[str, Any]]:
    """Rules allowing `name` unless its first argument is one of `refused`.

    One rule per range: runc ORs the conditions a rule puts on the same argument
    (two NE conditions in one rule let everything through), so "not A and not B"
    becomes "< A", "== each value between", "> B", as Docker's profile does for AF_VSOCK.
    """
    low, high = min(refused), max(refused)
    ranges = [("SCMP_CMP_LT", low)]
    ranges += [("SCMP_CMP_EQ", v) for v in range(low + 1, high) if v not in refused]
    ranges.append(("SCMP_CMP_GT", high))
    return [_rule([name], args=[{"index": 0, "value": value, "op": op}]) for op, value in ranges]


def default_profile(capabilities: list[str], machine: str | None = None) -> dict[str, Any]:
    """The profile for a container holding `capabilities` (Docker's template,
    rendered the way the daemon does for one container)."""
    arch = machine or os.uname().machine
    caps = set(capabilities)
    syscalls = [_rule(list(_ALLOWED))]
    if arch in _BY_ARCH:
        syscalls.append(_rule(_BY_ARCH[arch].split()))
    for persona in _PERSONAS:
        syscalls.append(_rule(["personality"], args=[{"index": 0, "value": persona, "op": "SCMP_CMP_EQ"}]))
    syscalls.extend(_allow_except("socket", (AF_ALG, AF_VSOCK)))
    for names, cap in _BY_CAPABILITY:
        if cap in caps:
            syscalls.append(_rule(names.split()))
    if "CAP_SYS_ADMIN" not in caps:
        mask = {"index": 0, "value": CLONE_NAMESPACE_FLAGS, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}
        if arch != "s390x":
            syscalls.append(_rule(["clone"], args=[mask]))
        syscalls.append(_rule(["clone3"], "SCMP_ACT_ERRNO", errnoRet=ENOSYS))
    return {
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": EPERM,
        "architectures": _ARCHES.get(arch, []),
        "syscalls": syscalls,
    }
