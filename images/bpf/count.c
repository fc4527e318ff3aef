// SPDX-License-Identifier: GPL-2.0
/*
 * count - a Cosy user function (BPF_PROG_TYPE_COSY): count the occurrences
 * of a byte string (the needle) in the fast-buffer window.
 *
 *   args[0]  the needle, up to 8 bytes packed little-endian (first byte in
 *            the low byte)
 *   args[1]  the needle length, 1 to 8
 *
 * Returns the number of (possibly overlapping) occurrences, -EINVAL for a
 * bad needle length, or -E2BIG for a window longer than COUNT_MAX bytes.
 * The kernel stores the 32-bit return value sign-extended in the entry's
 * result slot.
 *
 * Build:  /opt/swift/usr/bin/clang -O2 -target bpf -c count.c -o count.o
 *
 * The window is read one byte at a time into a rolling 64-bit register
 * holding the last 8 bytes, so each byte is loaded once.  Full 8-byte
 * chunks need one check against data_end, the remaining bytes one check
 * each, as the verifier requires.  The comparison is branch-free, so the
 * verifier follows one path through the chunk loop; the loop is bounded by
 * COUNT_MAX / 8 iterations, which keeps verification well below its
 * limits.
 */

typedef unsigned char __u8;
typedef unsigned int __u32;
typedef unsigned long long __u64;

/* struct cosy_bpf_ctx from <linux/cosy.h> */
struct cosy_bpf_ctx {
	__u32	data;
	__u32	data_end;
	__u64	args[3];
};

#define SEC(name)	__attribute__((section(name), used))

#define COUNT_MAX	8192
#define EINVAL		22
#define E2BIG		7

/*
 * Hide a value from the optimizer, which would turn the arithmetic below
 * back into a compare and a branch.
 */
#define OPAQUE(x)	do { asm volatile("" : "+r"(x)); } while (0)

struct state {
	__u64	win;		/* last 8 bytes, the newest in the top byte */
	__u64	needle;
	__u32	shift;		/* 64 - 8 * needle length */
	__u32	count;
};

static __attribute__((always_inline)) void step(struct state *s, __u8 b)
{
	__u64 x, t;

	s->win = (s->win >> 8) | ((__u64)b << 56);
	x = (s->win >> s->shift) ^ s->needle;
	/* the top bit of x | -x is x != 0 */
	t = x | -x;
	OPAQUE(t);
	t >>= 63;
	OPAQUE(t);
	s->count += t ^ 1;
}

SEC("cosy")
int count(struct cosy_bpf_ctx *ctx)
{
	const __u8 *data = (const __u8 *)(long)ctx->data;
	const __u8 *end = (const __u8 *)(long)ctx->data_end;
	__u64 n = ctx->args[1];
	struct state s;
	const __u8 *p;
	__u32 i, k;

	if (n < 1 || n > 8)
		return -EINVAL;
	/* Compare pointers: subtracting them needs CAP_PERFMON. */
	if (data + COUNT_MAX < end)
		return -E2BIG;

	s.shift = 64 - 8 * n;
	s.needle = ctx->args[0];
	if (n < 8)
		s.needle &= (1ULL << (8 * n)) - 1;
	/*
	 * Start with 8 bytes that differ from the needle's first byte, so
	 * that nothing matches before n bytes have been read.
	 */
	s.win = (__u8)~s.needle * 0x0101010101010101ULL;
	s.count = 0;

	for (i = 0; i < COUNT_MAX / 8; i++) {
		p = data + 8 * i;
		if (p + 8 > end)
			break;
		for (k = 0; k < 8; k++)
			step(&s, p[k]);
	}
	p = data + 8 * i;
	for (k = 0; k < 7; k++) {
		if (p + k + 1 > end)
			break;
		step(&s, p[k]);
	}
	return s.count;
}

char _license[] SEC("license") = "GPL";
