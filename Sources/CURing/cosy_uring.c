#include <errno.h>
#include <stdlib.h>
#include <liburing.h>
#include "cosy_uring.h"

struct cosy_uring {
	struct io_uring ring;
};

struct cosy_uring *cosy_uring_open(unsigned int entries)
{
	struct cosy_uring *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return NULL;
	ret = io_uring_queue_init(entries, &r->ring, 0);
	if (ret < 0) {
		free(r);
		errno = -ret;
		return NULL;
	}
	return r;
}

void cosy_uring_close(struct cosy_uring *r)
{
	io_uring_queue_exit(&r->ring);
	free(r);
}

int cosy_uring_queue_copy(struct cosy_uring *r, int in_fd, int out_fd, void *buf,
			  unsigned int len, uint64_t offset)
{
	struct io_uring_sqe *rd, *wr;

	if (io_uring_sq_space_left(&r->ring) < 2)
		return -EBUSY;
	rd = io_uring_get_sqe(&r->ring);
	wr = io_uring_get_sqe(&r->ring);
	io_uring_prep_read(rd, in_fd, buf, len, offset);
	rd->flags |= IOSQE_IO_LINK;
	io_uring_prep_write(wr, out_fd, buf, len, offset);
	return 0;
}

int cosy_uring_submit_and_wait(struct cosy_uring *r, unsigned int count)
{
	return io_uring_submit_and_wait(&r->ring, count);
}

int cosy_uring_pop(struct cosy_uring *r, int *result)
{
	struct io_uring_cqe *cqe;

	if (io_uring_peek_cqe(&r->ring, &cqe) != 0)
		return 0;
	*result = cqe->res;
	io_uring_cqe_seen(&r->ring, cqe);
	return 1;
}
