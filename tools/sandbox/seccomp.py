"""A small seccomp filter for bubblewrap runs (`bwrap --seccomp FD`), written as classic BPF.

Namespaces keep a program away from the host, but not from its own sandbox's init (bwrap's
pid 1 has the same uid and is dumpable): with `ptrace`, `pidfd_getfd` or
`process_vm_readv/writev` a program could take the init's copies of the harness's stdout or
read its memory. `AF_VSOCK` sockets reach the hypervisor, outside every network namespace.
The filter makes those calls fail with EPERM and allows everything else; syscalls of another
ABI (x32, i386 through `int 0x80`) fail too, so no number can be spelled differently.

No library is needed (libseccomp's Python bindings are not on PyPI for every platform): the
program is a dozen `sock_filter` instructions. Architectures other than x86_64 and aarch64
get no filter (`program()` returns None) and keep the namespace isolation alone.
"""

from __future__ import annotations

import errno
import platform
import struct

# Classic BPF opcodes and seccomp return values (linux/filter.h, linux/seccomp.h).
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_RET_K = 0x06
_ALLOW = 0x7FFF0000
_ERRNO = 0x00050000 | errno.EPERM
_X32_BIT = 0x40000000
AF_VSOCK = 40

# seccomp_data: nr at 0, arch at 4, args[0] (low 32 bits on little endian) at 16.
_NR, _ARCH, _ARG0 = 0, 4, 16

_ARCHES = {
    # machine: (AUDIT_ARCH_*, blocked syscalls, socket nr)
    "x86_64": (0xC000003E, {"ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311,
                            "pidfd_getfd": 438}, 41),
    "aarch64": (0xC00000B7, {"ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271,
                             "pidfd_getfd": 438}, 198),
}
BLOCKED = ("ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "socket(AF_VSOCK)")


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("<HBBI", code, jt, jf, k)


def program(machine: str | None = None) -> bytes | None:
    """The compiled filter for `machine` (default: this one), or None where unsupported."""
    spec = _ARCHES.get(machine or platform.machine())
    if spec is None:
        return None
    arch, blocked, socket_nr = spec
    numbers = sorted(blocked.values())
    # Layout: [arch check] [x32 check] [one jeq per blocked nr] [socket check: 3] [allow] [deny]
    body: list[tuple[int, int, int, int]] = [(_LD_W_ABS, 0, 0, _ARCH)]
    n_rest = 2 + len(numbers) + 4  # instructions after the arch jump, up to and incl. allow
    body.append((_JEQ_K, 0, n_rest, arch))  # another ABI: deny
    body.append((_LD_W_ABS, 0, 0, _NR))
    remaining = len(numbers) + 4
    body.append((_JGE_K, remaining, 0, _X32_BIT))  # x32 numbers: deny
    for i, nr in enumerate(numbers):
        to_deny = len(numbers) - 1 - i + 4
        body.append((_JEQ_K, to_deny, 0, nr))
    body.append((_JEQ_K, 0, 2, socket_nr))  # not socket(): allow
    body.append((_LD_W_ABS, 0, 0, _ARG0))
    body.append((_JEQ_K, 1, 0, AF_VSOCK))  # socket(AF_VSOCK, ...): deny
    body.append((_RET_K, 0, 0, _ALLOW))
    body.append((_RET_K, 0, 0, _ERRNO))
    return b"".join(_insn(*ins) for ins in body)
