/* See reuseport.h. */
#include "reuseport.h"

#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "macros.h"

#ifndef SO_ATTACH_REUSEPORT_EBPF
#define SO_ATTACH_REUSEPORT_EBPF 52
#endif

/* cells[0] and one per slot */
#define LOADS_CELLS (1 + REUSEPORT_MAX_SLOTS)

/* Instructions, as the kernel's own filter.h writes them. */
static struct bpf_insn alu(uint8_t op, uint8_t d, uint8_t s, int32_t imm)
{
        return (struct bpf_insn){.code = BPF_ALU64 | op, .dst_reg = d, .src_reg = s, .imm = imm};
}

static struct bpf_insn mov_reg(uint8_t d, uint8_t s)
{
        return alu(BPF_MOV | BPF_X, d, s, 0);
}

static struct bpf_insn mov_imm(uint8_t d, int32_t imm)
{
        return alu(BPF_MOV | BPF_K, d, 0, imm);
}

static struct bpf_insn alu_imm(uint8_t op, uint8_t d, int32_t imm)
{
        return alu(op | BPF_K, d, 0, imm);
}

static struct bpf_insn alu_reg(uint8_t op, uint8_t d, uint8_t s)
{
        return alu(op | BPF_X, d, s, 0);
}

static struct bpf_insn mem(uint8_t code, uint8_t d, uint8_t s, int16_t off, int32_t imm)
{
        return (struct bpf_insn){.code = code, .dst_reg = d, .src_reg = s, .off = off, .imm = imm};
}

/* d = *(size *)(s + off) */
static struct bpf_insn ldx(uint8_t size, uint8_t d, uint8_t s, int16_t off)
{
        return mem(BPF_LDX | size | BPF_MEM, d, s, off, 0);
}

/* *(size *)(d + off) = s */
static struct bpf_insn stx(uint8_t size, uint8_t d, uint8_t s, int16_t off)
{
        return mem(BPF_STX | size | BPF_MEM, d, s, off, 0);
}

/* *(size *)(d + off) = imm */
static struct bpf_insn st_imm(uint8_t size, uint8_t d, int16_t off, int32_t imm)
{
        return mem(BPF_ST | size | BPF_MEM, d, 0, off, imm);
}

/* *(u64 *)(d + off) += s, atomically */
static struct bpf_insn atomic_add64(uint8_t d, uint8_t s, int16_t off)
{
        return mem(BPF_STX | BPF_DW | BPF_ATOMIC, d, s, off, BPF_ADD);
}

/* if (d op imm) skip @off instructions */
static struct bpf_insn jmp_imm(uint8_t op, uint8_t d, int32_t imm, int16_t off)
{
        return mem(BPF_JMP | op | BPF_K, d, 0, off, imm);
}

static struct bpf_insn jmp_reg(uint8_t op, uint8_t d, uint8_t s, int16_t off)
{
        return mem(BPF_JMP | op | BPF_X, d, s, off, 0);
}

/* d = the map of fd @fd: two instructions, the second empty */
static struct bpf_insn ld_map(uint8_t d, int fd)
{
        return mem(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd);
}

static struct bpf_insn call(int32_t fn)
{
        return mem(BPF_JMP | BPF_CALL, 0, 0, 0, fn);
}

static struct bpf_insn exit_insn(void)
{
        return mem(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
        return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int map_create(uint32_t type, uint32_t key_size, uint32_t value_size, uint32_t entries,
                      uint32_t flags)
{
        union bpf_attr attr;

        memset(&attr, 0, sizeof(attr));
        attr.map_type = type;
        attr.key_size = key_size;
        attr.value_size = value_size;
        attr.max_entries = entries;
        attr.map_flags = flags;
        return sys_bpf(BPF_MAP_CREATE, &attr);
}

/* Load @n instructions as a reuseport program and attach it to @fd's group. */
static int prog_attach(int fd, const struct bpf_insn *insns, unsigned n)
{
        union bpf_attr attr;
        int prog, r = 0;

        memset(&attr, 0, sizeof(attr));
        attr.prog_type = BPF_PROG_TYPE_SK_REUSEPORT;
        attr.expected_attach_type = BPF_SK_REUSEPORT_SELECT_OR_MIGRATE;
        attr.insns = (uint64_t)(uintptr_t)insns;
        attr.insn_cnt = n;
        attr.license = (uint64_t)(uintptr_t) "GPL";
        prog = sys_bpf(BPF_PROG_LOAD, &attr);
        if (prog < 0)
                return -errno;
        /* the group keeps its own reference to the program */
        if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF, &prog, sizeof(prog)) == -1)
                r = -errno;
        close(prog);
        return r;
}

/* Map loads map @fd into @l, which owns it from now on (closed on failure). */
static int loads_map(struct reuseport_loads *l, int fd)
{
        size_t len = SL_MAX((size_t)sysconf(_SC_PAGESIZE), LOADS_CELLS * sizeof(uint64_t));
        void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        int r;

        if (p == MAP_FAILED) {
                r = -errno;
                close(fd);
                return r;
        }
        l->map_fd = fd;
        l->cells = p;
        l->len = len;
        return 0;
}

int reuseport_loads_new(struct reuseport_loads *l)
{
        int fd, r;

        l->map_fd = -1;
        l->cells = NULL;
        l->len = 0;
        /* one value: a program reads every cell it needs from one lookup */
        fd = map_create(BPF_MAP_TYPE_ARRAY, sizeof(uint32_t), LOADS_CELLS * sizeof(uint64_t), 1,
                        BPF_F_MMAPABLE);
        if (fd < 0)
                return -errno;
        r = loads_map(l, fd);
        if (r < 0)
                return r;
        for (unsigned i = 0; i < REUSEPORT_MAX_SLOTS; i++)
                atomic_store_explicit(&l->cells[1 + i], REUSEPORT_LOAD_GONE, memory_order_relaxed);
        return 0;
}

int reuseport_loads_adopt(struct reuseport_loads *l, int fd)
{
        l->map_fd = -1;
        l->cells = NULL;
        l->len = 0;
        return loads_map(l, fd);
}

void reuseport_loads_free(struct reuseport_loads *l)
{
        if (l->cells)
                (void)munmap((void *)l->cells, l->len);
        if (l->map_fd >= 0)
                close(l->map_fd);
        l->cells = NULL;
        l->map_fd = -1;
}

void reuseport_loads_set_slots(struct reuseport_loads *l, unsigned n)
{
        if (l->cells)
                atomic_store_explicit(&l->cells[0], SL_MIN(n, REUSEPORT_MAX_SLOTS),
                                      memory_order_relaxed);
}

_Atomic uint64_t *reuseport_load_cell(const struct reuseport_loads *l, unsigned slot)
{
        return l->cells && slot < REUSEPORT_MAX_SLOTS ? &l->cells[1 + slot] : NULL;
}

void reuseport_load_gone(struct reuseport_loads *l, unsigned slot)
{
        _Atomic uint64_t *c = reuseport_load_cell(l, slot);

        if (c)
                atomic_store_explicit(c, REUSEPORT_LOAD_GONE, memory_order_relaxed);
}

int reuseport_migrate(int fd)
{
        /* r0 = SK_PASS; exit: select nothing, let the kernel's hash choose */
        const struct bpf_insn insns[] = {
                mov_imm(BPF_REG_0, SK_PASS),
                exit_insn(),
        };

        return prog_attach(fd, insns, SL_ARRAY_SIZE(insns));
}

/* The steering program; a jump skips the number of instructions it gives (a map load is
 * two). */
static int steer_attach(int fd, int loads, int socks)
{
        const int32_t max = REUSEPORT_MAX_SLOTS;
        const struct bpf_insn insns[] = {
                /* r6 = ctx; r7 = the loads (key 0 of their map) */
                /* 0 */ mov_reg(BPF_REG_6, BPF_REG_1),
                /* 1 */ st_imm(BPF_W, BPF_REG_10, -4, 0),
                /* 2 */ ld_map(BPF_REG_1, loads),
                /* 3 */ {.code = 0},
                /* 4 */ mov_reg(BPF_REG_2, BPF_REG_10),
                /* 5 */ alu_imm(BPF_ADD, BPF_REG_2, -4),
                /* 6 */ call(BPF_FUNC_map_lookup_elem),
                /* 7 */ jmp_imm(BPF_JEQ, BPF_REG_0, 0, 41), /* -> 49 */
                /* 8 */ mov_reg(BPF_REG_7, BPF_REG_0),
                /* r8 = n = min(cells[0], max); fewer than 2: nothing to choose */
                /* 9 */ ldx(BPF_DW, BPF_REG_8, BPF_REG_7, 0),
                /* 10 */ jmp_imm(BPF_JLE, BPF_REG_8, max, 1),
                /* 11 */ mov_imm(BPF_REG_8, max),
                /* 12 */ jmp_imm(BPF_JLT, BPF_REG_8, 2, 36), /* -> 49 */
                /* r1 = a = hash % n; r2 = b = (a + 1 + (hash >> 16) % (n - 1)) % n, never a */
                /* 13 */ ldx(BPF_W, BPF_REG_9, BPF_REG_6, offsetof(struct sk_reuseport_md, hash)),
                /* 14 */ mov_reg(BPF_REG_1, BPF_REG_9),
                /* 15 */ alu_reg(BPF_MOD, BPF_REG_1, BPF_REG_8),
                /* 16 */ mov_reg(BPF_REG_2, BPF_REG_9),
                /* 17 */ alu_imm(BPF_RSH, BPF_REG_2, 16),
                /* 18 */ mov_reg(BPF_REG_3, BPF_REG_8),
                /* 19 */ alu_imm(BPF_SUB, BPF_REG_3, 1),
                /* 20 */ alu_reg(BPF_MOD, BPF_REG_2, BPF_REG_3),
                /* 21 */ alu_imm(BPF_ADD, BPF_REG_2, 1),
                /* 22 */ alu_reg(BPF_ADD, BPF_REG_2, BPF_REG_1),
                /* 23 */ alu_reg(BPF_MOD, BPF_REG_2, BPF_REG_8),
                /* bounds the verifier can see (no-ops: both are below n <= max) */
                /* 24 */ alu_imm(BPF_AND, BPF_REG_1, max - 1),
                /* 25 */ alu_imm(BPF_AND, BPF_REG_2, max - 1),
                /* r3 + 8 = &cells[1 + a], r4 = its load; r5 + 8 = &cells[1 + b], r0 = its load */
                /* 26 */ mov_reg(BPF_REG_3, BPF_REG_1),
                /* 27 */ alu_imm(BPF_LSH, BPF_REG_3, 3),
                /* 28 */ alu_reg(BPF_ADD, BPF_REG_3, BPF_REG_7),
                /* 29 */ ldx(BPF_DW, BPF_REG_4, BPF_REG_3, 8),
                /* 30 */ mov_reg(BPF_REG_5, BPF_REG_2),
                /* 31 */ alu_imm(BPF_LSH, BPF_REG_5, 3),
                /* 32 */ alu_reg(BPF_ADD, BPF_REG_5, BPF_REG_7),
                /* 33 */ ldx(BPF_DW, BPF_REG_0, BPF_REG_5, 8),
                /* b only when it is less loaded */
                /* 34 */ jmp_reg(BPF_JGE, BPF_REG_0, BPF_REG_4, 2), /* -> 37 */
                /* 35 */ mov_reg(BPF_REG_1, BPF_REG_2),
                /* 36 */ mov_reg(BPF_REG_3, BPF_REG_5),
                /* 37 */ mov_reg(BPF_REG_8, BPF_REG_3),
                /* select the socket of slot r1 (r8 survives the call) */
                /* 38 */ stx(BPF_W, BPF_REG_10, BPF_REG_1, -8),
                /* 39 */ mov_reg(BPF_REG_1, BPF_REG_6),
                /* 40 */ ld_map(BPF_REG_2, socks),
                /* 41 */ {.code = 0},
                /* 42 */ mov_reg(BPF_REG_3, BPF_REG_10),
                /* 43 */ alu_imm(BPF_ADD, BPF_REG_3, -8),
                /* 44 */ mov_imm(BPF_REG_4, 0),
                /* 45 */ call(BPF_FUNC_sk_select_reuseport),
                /* none there (a slot being replaced): the kernel's hash picks */
                /* 46 */ jmp_imm(BPF_JNE, BPF_REG_0, 0, 2), /* -> 49 */
                /* count it now: it may wait in the queue before its worker says so */
                /* 47 */ mov_imm(BPF_REG_1, 1),
                /* 48 */ atomic_add64(BPF_REG_8, BPF_REG_1, 8),
                /* 49 */ mov_imm(BPF_REG_0, SK_PASS),
                /* 50 */ exit_insn(),
        };

        _Static_assert(SL_ARRAY_SIZE(insns) == 51, "the jump offsets above count 51");
        return prog_attach(fd, insns, SL_ARRAY_SIZE(insns));
}

int reuseport_steer(int fd, const struct reuseport_loads *l, int *ret_socks)
{
        int socks, r;

        if (l->map_fd < 0)
                return -EINVAL;
        socks = map_create(BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, sizeof(uint32_t), sizeof(uint32_t),
                           REUSEPORT_MAX_SLOTS, 0);
        if (socks < 0)
                return -errno;
        r = steer_attach(fd, l->map_fd, socks);
        if (r < 0) {
                close(socks);
                return r;
        }
        *ret_socks = socks;
        return 0;
}

int reuseport_steer_add(int socks, unsigned slot, int fd)
{
        uint32_t key = slot, value = (uint32_t)fd;
        union bpf_attr attr;

        if (slot >= REUSEPORT_MAX_SLOTS)
                return -ERANGE;
        memset(&attr, 0, sizeof(attr));
        attr.map_fd = (uint32_t)socks;
        attr.key = (uint64_t)(uintptr_t)&key;
        attr.value = (uint64_t)(uintptr_t)&value;
        attr.flags = BPF_ANY;
        return sys_bpf(BPF_MAP_UPDATE_ELEM, &attr) < 0 ? -errno : 0;
}
