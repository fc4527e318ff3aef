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
 * Build:  clang -O2 -target bpf -c count.c -o count.o
 *
 * The window is read one byte at a time through a rolling 64-bit register,
 * so each byte is loaded once and every load is checked against data_end,
 * as the verifier requires.  The loop is bounded by COUNT_MAX, which keeps
 * verification well below the verifier's instruction limit.
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

SEC("cosy")
int count(struct cosy_bpf_ctx *ctx)
{
	const __u8 *data = (const __u8 *)(long)ctx->data;
	const __u8 *end = (const __u8 *)(long)ctx->data_end;
	__u64 needle = ctx->args[0];
	__u64 n = ctx->args[1];
	__u64 win = 0, mask;
	__u32 shift, i;
	int count = 0;

	if (n < 1 || n > 8)
		return -EINVAL;
	/* Compare pointers: subtracting them needs CAP_PERFMON. */
	if (data + COUNT_MAX < end)
		return -E2BIG;

	mask = n == 8 ? ~0ULL : (1ULL << (8 * n)) - 1;
	needle &= mask;
	shift = 64 - 8 * n;

	for (i = 0; i < COUNT_MAX; i++) {
		const __u8 *p = data + i;

		if (p + 1 > end)
			break;
		/* The last 8 bytes read, the newest in the top byte. */
		win = (win >> 8) | ((__u64)*p << 56);
		if (i + 1 >= n && (win >> shift) == needle)
			count++;
	}
	return count;
}

char _license[] SEC("license") = "GPL";
