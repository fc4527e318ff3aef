/*
 * Out-of-line wrappers around the liburing calls the io_uring peers use, so
 * Swift never has to import liburing's inline atomics.
 */
#ifndef COSY_URING_H
#define COSY_URING_H

#include <stddef.h>
#include <stdint.h>

struct cosy_uring;

/* Sets up a ring with `entries` submission slots; NULL with errno set on failure. */
struct cosy_uring *cosy_uring_open(unsigned int entries);
void cosy_uring_close(struct cosy_uring *ring);

/*
 * Queues a read of `len` bytes at `offset` linked to a write of the same
 * buffer: the pair the copy loop submits per chunk.  Returns 0, or -EBUSY
 * when the submission queue is full.
 */
int cosy_uring_queue_copy(struct cosy_uring *ring, int in_fd, int out_fd, void *buf,
			  unsigned int len, uint64_t offset);

/* Submits everything queued and waits for `count` completions. */
int cosy_uring_submit_and_wait(struct cosy_uring *ring, unsigned int count);

/*
 * Pops one completion: returns 1 and stores its result (a byte count or
 * -errno), or 0 when none is ready.
 */
int cosy_uring_pop(struct cosy_uring *ring, int *result);

#endif
