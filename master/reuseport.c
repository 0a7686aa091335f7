/* See reuseport.h. The program is loaded with the bpf() system call directly: two
 * instructions do not justify libbpf. */
#include "reuseport.h"

#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SO_ATTACH_REUSEPORT_EBPF
#define SO_ATTACH_REUSEPORT_EBPF 52
#endif

int reuseport_migrate(int fd)
{
        /* r0 = SK_PASS; exit: select nothing, let the kernel's hash choose */
        const struct bpf_insn insns[] = {
                {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = SK_PASS},
                {.code = BPF_JMP | BPF_EXIT},
        };
        union bpf_attr attr;
        int prog, r = 0;

        memset(&attr, 0, sizeof(attr));
        attr.prog_type = BPF_PROG_TYPE_SK_REUSEPORT;
        attr.expected_attach_type = BPF_SK_REUSEPORT_SELECT_OR_MIGRATE;
        attr.insns = (uint64_t)(uintptr_t)insns;
        attr.insn_cnt = sizeof(insns) / sizeof(insns[0]);
        attr.license = (uint64_t)(uintptr_t) "GPL";
        prog = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
        if (prog < 0)
                return -errno;
        /* the group keeps its own reference to the program */
        if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF, &prog, sizeof(prog)) == -1)
                r = -errno;
        close(prog);
        return r;
}
