/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Compound system calls (Cosy): user-space ABI.
 *
 * A process calls cosy_init() once.  The kernel allocates two buffers and
 * maps them into the process: the compound buffer, where user space encodes
 * a compound, and the fast buffer, a data area that zero-copy entries work
 * on.  cosy_run() validates and decodes the whole compound into a private
 * form, then executes it in kernel mode.  cosy_uninit() unmaps and frees
 * both buffers.
 *
 * The compound buffer holds, in 64-bit words:
 *
 *   struct cosy_header            (COSY_HEADER_WORDS words)
 *   __s64 slots[nr_slots]         result slots ("variables")
 *   entries                       nr_entries entries, back to back
 *
 * Every entry is a struct cosy_entry (one word) followed by nargs argument
 * words.  Argument i is a plain value, or, if bit i of argref is set, the
 * index of a result slot whose current value is used.  An entry that
 * produces a value stores it in slot dst unless dst is COSY_SLOT_NONE.
 *
 * Entries are executed in order; COSY_OP_JUMP moves to another entry.  The
 * run ends when execution moves past the last entry.  The kernel reads
 * every field once, before executing anything; slot values are copied in
 * at the start and written back at the end of the run, together with
 * header.executed and header.fail_entry.
 */
#ifndef _UAPI_LINUX_COSY_H
#define _UAPI_LINUX_COSY_H

#include <linux/types.h>

#define COSY_MAGIC		0x59534f43	/* "COSY", little endian */
#define COSY_VERSION		1

/* Limits checked by cosy_init() and cosy_run(). */
#define COSY_MAX_ARGS		6
#define COSY_MAX_SLOTS		0xfffe
#define COSY_SLOT_NONE		0xffff

/**
 * struct cosy_params - argument of cosy_init()
 * @compound_size: in: wanted size of the compound buffer in bytes, 0 for
 *	the default; out: the size mapped (rounded up to whole pages)
 * @fast_size: in/out: the same for the fast buffer
 * @flags: in: must be zero
 * @version: out: COSY_VERSION of the running kernel
 * @compound_addr: out: user address of the compound buffer
 * @fast_addr: out: user address of the fast buffer
 * @ops: out: bit n set when entry type n is supported
 * @resv: must be zero
 *
 * The structure is size-versioned: cosy_init() takes its size, accepts a
 * shorter (older) one and a longer one whose extra bytes are zero.
 */
struct cosy_params {
	__u32	compound_size;
	__u32	fast_size;
	__u32	flags;
	__u32	version;
	__u64	compound_addr;
	__u64	fast_addr;
	__u64	ops;
	__u64	resv[2];
};

#define COSY_PARAMS_SIZE_VER0	56	/* sizeof first published struct */

/**
 * struct cosy_header - global header at the start of the compound buffer
 * @magic: COSY_MAGIC
 * @version: COSY_VERSION
 * @flags: must be zero
 * @nr_entries: number of entries
 * @len_words: length of the whole compound (header, slots and entries)
 *	in 64-bit words
 * @nr_slots: number of result slots, at most COSY_MAX_SLOTS
 * @max_exec: maximum number of entries to execute, 0 for the kernel's
 *	default; a run that reaches it stops with -ELOOP
 * @executed: out: entries executed by the last cosy_run()
 * @fail_entry: out: index of the entry that stopped the last run with an
 *	error, or COSY_ENTRY_NONE
 * @resv: must be zero
 */
struct cosy_header {
	__u32	magic;
	__u16	version;
	__u16	flags;
	__u32	nr_entries;
	__u32	len_words;
	__u32	nr_slots;
	__u32	max_exec;
	__u32	executed;
	__u32	fail_entry;
	__u64	resv[2];
};

#define COSY_HEADER_WORDS	(sizeof(struct cosy_header) / 8)
#define COSY_ENTRY_NONE		0xffffffffU

/**
 * enum cosy_op - entry types
 * @COSY_OP_NOP: does nothing; nargs must be 0
 * @COSY_OP_SYSCALL: system call number @aux with nargs (at most 6)
 *	arguments; its return value (a negative errno on failure) is stored
 *	in dst.  Calls that cannot run inside a compound are refused with
 *	-EPERM when the compound is decoded.
 * @COSY_OP_ASSIGN: dst = arg0; nargs must be 1
 * @COSY_OP_ARITH: dst = arg0 <@aux> arg1 with @aux an enum cosy_arith;
 *	nargs must be 2 (1 for COSY_ARITH_INC and COSY_ARITH_DEC).
 *	Division or remainder by zero stops the run with -EDOM.
 * @COSY_OP_JUMP: jump to the entry whose index is arg0 (a value, never a
 *	reference; nr_entries ends the run) if the condition @aux, an enum
 *	cosy_cond, holds for arg1 and arg2 compared as signed 64-bit
 *	integers.  nargs is 1 for COSY_COND_ALWAYS and 3 otherwise; dst
 *	must be COSY_SLOT_NONE.  Encoders lower if/else, while, do-while,
 *	for and goto to jumps, as a compiler does.
 * @COSY_OP_SWITCH: a jump table.  arg0 is the value (may be a reference),
 *	arg1 the default target, then @aux pairs (case value, target); nargs
 *	is 2 + 2 * @aux, at most COSY_MAX_SWITCH_ARGS.  Only arg0 may be a
 *	reference; targets are entry indices (nr_entries ends the run); the
 *	first matching case wins.  dst must be COSY_SLOT_NONE.
 * @COSY_OP_FAST: a zero-copy call on the fast buffer, @aux an enum
 *	cosy_fast.  Offsets and lengths are in bytes from the start of the
 *	fast buffer and are checked when the entry runs: a range outside the
 *	fast buffer stores -EFAULT in dst.  Data moves between the file and
 *	the fast buffer inside the kernel, never through user memory.
 * @COSY_OP_CALL_BPF: calls a user function: an eBPF program of type
 *	BPF_PROG_TYPE_COSY.  arg0 is its program fd (a value; the program
 *	is looked up once, when the compound is decoded), arg1 and arg2 the
 *	offset and length of the fast-buffer window the function sees, and
 *	up to three scalar arguments follow (nargs 3 to 6).  The function's
 *	return value is stored in dst; a window outside the fast buffer
 *	stores -EFAULT.
 */
enum cosy_op {
	COSY_OP_NOP,
	COSY_OP_SYSCALL,
	COSY_OP_ASSIGN,
	COSY_OP_ARITH,
	COSY_OP_JUMP,
	COSY_OP_SWITCH,
	COSY_OP_FAST,
	COSY_OP_CALL_BPF,

	COSY_OP_LAST,	/* not an op: number of ops */
};

#define COSY_MAX_SWITCH_ARGS	254

enum cosy_arith {
	COSY_ARITH_ADD,
	COSY_ARITH_SUB,
	COSY_ARITH_MUL,
	COSY_ARITH_DIV,
	COSY_ARITH_MOD,
	COSY_ARITH_AND,
	COSY_ARITH_OR,
	COSY_ARITH_XOR,
	COSY_ARITH_SHL,
	COSY_ARITH_SHR,
	COSY_ARITH_INC,
	COSY_ARITH_DEC,

	COSY_ARITH_LAST,
};

enum cosy_cond {
	COSY_COND_ALWAYS,
	COSY_COND_EQ,
	COSY_COND_NE,
	COSY_COND_LT,
	COSY_COND_LE,
	COSY_COND_GT,
	COSY_COND_GE,

	COSY_COND_LAST,
};

/**
 * enum cosy_fast - zero-copy calls (COSY_OP_FAST), with their arguments
 * @COSY_FAST_READ: fd, off, len: read(2) into the fast buffer
 * @COSY_FAST_WRITE: fd, off, len: write(2) from the fast buffer
 * @COSY_FAST_PREAD: fd, off, len, pos: pread64(2) into the fast buffer
 * @COSY_FAST_PWRITE: fd, off, len, pos: pwrite64(2) from the fast buffer
 * @COSY_FAST_STAT: path_off, stat_off: stat(2) of the NUL-terminated
 *	path at path_off; struct stat is written at stat_off
 * @COSY_FAST_STATX: dirfd, path_off, flags, mask, statx_off: statx(2);
 *	struct statx is written at statx_off
 * @COSY_FAST_GETDENTS64: fd, off, len: getdents64(2) into the fast buffer
 *
 * A COSY_FAST_READ entry with the COSY_ENTRY_SPLICE flag promises that
 * its data is consumed only by the entry right after it, a
 * COSY_FAST_WRITE of the same offset whose length is this entry's result
 * slot.  The kernel may then move the data from file to file directly
 * (splice: one copy instead of two) without filling the fast buffer;
 * both entries still store their byte counts.
 */
enum cosy_fast {
	COSY_FAST_READ,
	COSY_FAST_WRITE,
	COSY_FAST_PREAD,
	COSY_FAST_PWRITE,
	COSY_FAST_STAT,
	COSY_FAST_STATX,
	COSY_FAST_GETDENTS64,

	COSY_FAST_LAST,
};

/* struct cosy_entry.flags */
#define COSY_ENTRY_SPLICE	(1U << 0)

/* cosy_run() flags */
#define COSY_RUN_NOCACHE	(1U << 0)	/* decode even an unchanged compound */

/**
 * struct cosy_entry - local header of an entry, followed by nargs words
 * @op: enum cosy_op
 * @nargs: number of argument words that follow
 * @argref: bit i set: argument i is a slot index, not a value
 * @flags: COSY_ENTRY_* flags the entry type allows; others must be zero
 * @dst: slot that receives the entry's result, or COSY_SLOT_NONE
 * @aux: op-specific: system call number, enum cosy_arith, enum cosy_cond,
 *	number of switch cases or enum cosy_fast
 */
struct cosy_entry {
	__u8	op;
	__u8	nargs;
	__u8	argref;
	__u8	flags;
	__u16	dst;
	__u16	aux;
};

/**
 * struct cosy_bpf_ctx - context of a user function (BPF_PROG_TYPE_COSY)
 * @data: start of the fast-buffer window; the verifier treats it as a
 *	packet pointer, so every access must be checked against @data_end
 * @data_end: end of the window
 * @args: the entry's scalar arguments (0 where the entry has none)
 */
struct cosy_bpf_ctx {
	__u32	data;
	__u32	data_end;
	__u64	args[3];
};

#endif /* _UAPI_LINUX_COSY_H */
