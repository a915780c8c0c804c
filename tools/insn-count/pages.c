/*
 * pages.c: a QEMU TCG plugin that counts, between two CR3 writes, the
 * distinct guest pages touched (code and data, by kernel and by user
 * code) and the distinct translated blocks run.
 *
 * Why: under TCG every CR3 write empties QEMU's software TLB and its
 * jump cache, so what a switch to another address space costs is what
 * refilling them costs: one page-table walk in QEMU's C code per distinct
 * (page, privilege) touched after it and one hash-table lookup per
 * distinct block entered. docs/performance.md ("Fifth step") uses it.
 *
 * Built and loaded by insn-count.sh with PAGES=1. Arguments:
 *   out=FILE     where the report goes (required)
 *   skip=N       CR3 writes to ignore first (boot; default 20000)
 *   epochs=N     CR3 writes to measure after that (default 20000)
 * The report: mean distinct pages per interval between CR3 writes, split
 * code/data x kernel/user, mean distinct blocks, `hlt` and `syscall`
 * instructions run per interval, then every page touched in
 * at least 1 % of the intervals, with the share of intervals touching it
 * ("page ADDRESS KIND MODE SHARE"), then every block run in at least 1 %
 * ("block ADDRESS SHARE").
 *
 * The plugin API is declared here (QEMU 7.2, plugin API version 1): Debian
 * ships no qemu-plugin.h, and the few functions used are a stable C ABI.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the part of QEMU 7.2's plugin API this file uses ---- */
typedef uint64_t qemu_plugin_id_t;
typedef uint32_t qemu_plugin_meminfo_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct {
    const char *target_name;
    struct {
        int min;
        int cur;
    } version;
    bool system_emulation;
    union {
        struct {
            int smp_vcpus;
            int max_vcpus;
        } system;
    };
} qemu_info_t;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_mem_rw { QEMU_PLUGIN_MEM_R = 1, QEMU_PLUGIN_MEM_W, QEMU_PLUGIN_MEM_RW };
typedef void (*tb_trans_cb)(qemu_plugin_id_t, struct qemu_plugin_tb *);
typedef void (*udata_cb)(unsigned int, void *);
typedef void (*mem_cb)(unsigned int, qemu_plugin_meminfo_t, uint64_t, void *);
typedef void (*exit_cb)(qemu_plugin_id_t, void *);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t, tb_trans_cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *, udata_cb, enum qemu_plugin_cb_flags, void *);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *, udata_cb, enum qemu_plugin_cb_flags, void *);
void qemu_plugin_register_vcpu_mem_cb(struct qemu_plugin_insn *, mem_cb, enum qemu_plugin_cb_flags,
                                      enum qemu_plugin_mem_rw, void *);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t, exit_cb, void *);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *, size_t);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *);
__attribute__((visibility("default"))) int qemu_plugin_version = 1;
/* ---- end of the API ---- */

/* A key: page number << 2 | code bit << 1 | kernel bit. */
#define KIND_CODE 2u
#define MODE_KERNEL 1u

/* Open-addressed set of keys touched in the current interval. */
#define SET_BITS 16
#define SET_SIZE (1u << SET_BITS)
static uint64_t set_keys[SET_SIZE];
static uint32_t set_stamp[SET_SIZE];
static uint32_t epoch = 1; /* stamp of the current interval */

/* Keys seen in measured intervals with the number of intervals. */
#define ALL_BITS 18
#define ALL_SIZE (1u << ALL_BITS)
static uint64_t all_keys[ALL_SIZE];
static uint32_t all_count[ALL_SIZE];

static uint64_t cr3_writes, skip = 20000, measure = 20000;
static uint64_t sums[4]; /* distinct pages per interval, by kind and mode */
static uint64_t blocks_sum, halts, syscalls;
static FILE *out;
static bool done;

/* Blocks entered in this interval (by start address). */
static uint64_t blk_keys[SET_SIZE];
static uint32_t blk_stamp[SET_SIZE];
static uint64_t blocks_now;

/* Blocks run in measured intervals with the number of intervals. */
static uint64_t blk_all_keys[ALL_SIZE];
static uint32_t blk_all_count[ALL_SIZE];

static uint64_t hash(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    return k;
}

static bool measuring(void)
{
    return !done && cr3_writes >= skip;
}

static void all_add(uint64_t key)
{
    for (uint64_t i = hash(key);; i++) {
        uint64_t s = i & (ALL_SIZE - 1);
        if (all_count[s] == 0) {
            all_keys[s] = key;
            all_count[s] = 1;
            return;
        }
        if (all_keys[s] == key) {
            all_count[s]++;
            return;
        }
    }
}

static void touch(uint64_t key)
{
    if (!measuring())
        return;
    for (uint64_t i = hash(key);; i++) {
        uint64_t s = i & (SET_SIZE - 1);
        if (set_stamp[s] != epoch) {
            set_stamp[s] = epoch;
            set_keys[s] = key;
            sums[key & 3]++;
            all_add(key);
            return;
        }
        if (set_keys[s] == key)
            return;
    }
}

static int cmp_count(const void *a, const void *b)
{
    uint32_t ca = all_count[*(const uint32_t *)a], cb = all_count[*(const uint32_t *)b];
    return ca < cb ? 1 : ca > cb ? -1 : 0;
}

static void report(void)
{
    uint64_t n = measure;
    static const char *names[4] = {"data user", "data kernel", "code user", "code kernel"};
    fprintf(out, "intervals %" PRIu64 "\n", n);
    for (int k = 0; k < 4; k++)
        fprintf(out, "mean %s %.2f\n", names[k], (double)sums[k] / n);
    fprintf(out, "mean blocks %.2f\n", (double)blocks_sum / n);
    fprintf(out, "mean halts %.3f\n", (double)halts / n);
    fprintf(out, "mean syscalls %.3f\n", (double)syscalls / n);
    uint32_t *idx = malloc(sizeof(uint32_t) * ALL_SIZE);
    uint32_t m = 0;
    for (uint32_t s = 0; s < ALL_SIZE; s++)
        if (all_count[s] * 100ull >= n)
            idx[m++] = s;
    qsort(idx, m, sizeof(uint32_t), cmp_count);
    for (uint32_t i = 0; i < m; i++) {
        uint64_t key = all_keys[idx[i]];
        fprintf(out, "page %016" PRIx64 " %s %s %.3f\n", (key >> 2) << 12, key & KIND_CODE ? "code" : "data",
                key & MODE_KERNEL ? "kernel" : "user", (double)all_count[idx[i]] / n);
    }
    free(idx);
    for (uint32_t s = 0; s < ALL_SIZE; s++)
        if (blk_all_count[s] * 100ull >= n)
            fprintf(out, "block %016" PRIx64 " %.3f\n", blk_all_keys[s], (double)blk_all_count[s] / n);
    fflush(out);
}

static void on_cr3(unsigned int vcpu, void *udata)
{
    (void)vcpu;
    (void)udata;
    if (measuring()) {
        blocks_sum += blocks_now;
        if (cr3_writes + 1 >= skip + measure) {
            done = true;
            report();
        }
    }
    blocks_now = 0;
    cr3_writes++;
    epoch++;
}

static void on_block(unsigned int vcpu, void *udata)
{
    (void)vcpu;
    if (!measuring())
        return;
    uint64_t pc = (uint64_t)(uintptr_t)udata;
    for (uint64_t i = hash(pc);; i++) {
        uint64_t s = i & (SET_SIZE - 1);
        if (blk_stamp[s] != epoch) {
            blk_stamp[s] = epoch;
            blk_keys[s] = pc;
            blocks_now++;
            for (uint64_t j = hash(pc);; j++) {
                uint64_t t = j & (ALL_SIZE - 1);
                if (blk_all_count[t] == 0 || blk_all_keys[t] == pc) {
                    blk_all_keys[t] = pc;
                    blk_all_count[t]++;
                    break;
                }
            }
            break;
        }
        if (blk_keys[s] == pc)
            break;
    }
}

static void on_hlt(unsigned int vcpu, void *udata)
{
    (void)vcpu;
    (void)udata;
    if (measuring())
        halts++;
}

static void on_syscall(unsigned int vcpu, void *udata)
{
    (void)vcpu;
    (void)udata;
    if (measuring())
        syscalls++;
}

static bool is_kernel(uint64_t va)
{
    return va >> 63;
}

static void on_insn(unsigned int vcpu, void *udata)
{
    (void)vcpu;
    uint64_t va = (uint64_t)(uintptr_t)udata;
    touch((va >> 12) << 2 | KIND_CODE | (is_kernel(va) ? MODE_KERNEL : 0));
}

static void on_mem(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t va, void *udata)
{
    (void)vcpu;
    (void)info;
    touch((va >> 12) << 2 | (udata ? MODE_KERNEL : 0));
}

/* `mov %reg, %cr3`: [REX] 0F 22 with ModRM.reg = 3. */
static bool writes_cr3(const uint8_t *b, size_t n)
{
    size_t i = 0;
    if (n > 0 && (b[0] & 0xf0) == 0x40)
        i = 1;
    return n >= i + 3 && b[i] == 0x0f && b[i + 1] == 0x22 && ((b[i + 2] >> 3) & 7) == 3;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    qemu_plugin_register_vcpu_tb_exec_cb(tb, on_block, QEMU_PLUGIN_CB_NO_REGS,
                                         (void *)(uintptr_t)qemu_plugin_tb_vaddr(tb));
    size_t n = qemu_plugin_tb_n_insns(tb);
    uint64_t last_page = ~0ull;
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t va = qemu_plugin_insn_vaddr(insn);
        /* One code-page callback per page of the block. */
        if (va >> 12 != last_page) {
            last_page = va >> 12;
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_insn, QEMU_PLUGIN_CB_NO_REGS,
                                                   (void *)(uintptr_t)va);
        }
        qemu_plugin_register_vcpu_mem_cb(insn, on_mem, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW,
                                         is_kernel(va) ? (void *)1 : NULL);
        const uint8_t *bytes = qemu_plugin_insn_data(insn);
        if (qemu_plugin_insn_size(insn) == 1 && bytes[0] == 0xf4)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_hlt, QEMU_PLUGIN_CB_NO_REGS, NULL);
        if (qemu_plugin_insn_size(insn) == 2 && bytes[0] == 0x0f && bytes[1] == 0x05)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_syscall, QEMU_PLUGIN_CB_NO_REGS, NULL);
        if (writes_cr3(qemu_plugin_insn_data(insn), qemu_plugin_insn_size(insn)))
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_cr3, QEMU_PLUGIN_CB_NO_REGS, NULL);
    }
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                                               int argc, char **argv)
{
    (void)info;
    const char *path = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strncmp(argv[i], "out=", 4))
            path = argv[i] + 4;
        else if (!strncmp(argv[i], "skip=", 5))
            skip = strtoull(argv[i] + 5, NULL, 0);
        else if (!strncmp(argv[i], "epochs=", 7))
            measure = strtoull(argv[i] + 7, NULL, 0);
    }
    if (!path || measure == 0)
        return -1;
    out = fopen(path, "w");
    if (!out)
        return -1;
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    return 0;
}
