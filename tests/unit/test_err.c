#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "err.h"

/*
 * Runs fn in a child process, its stderr into msg; returns its wait status.
 * The functions under test end the process (die, exit 3), so they cannot run
 * in this one.
 */
static int
in_child(void (*fn)(void), char *msg, size_t size)
{
	int fd[2], status;
	size_t n = 0;
	ssize_t k;
	pid_t pid;

	assert_int_equal(pipe(fd), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fd[0]);
		dup2(fd[1], STDERR_FILENO);
		err_init("test_err");
		fn();
		_exit(0);
	}
	close(fd[1]);
	while (n + 1 < size && (k = read(fd[0], msg + n, size - 1 - n)) > 0)
		n += (size_t)k;
	msg[n] = '\0';
	close(fd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void
expect_oom(void (*fn)(void), const char *want)
{
	char msg[256];
	int status = in_child(fn, msg, sizeof(msg));

	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), EXIT_ENV);
	assert_int_equal(EXIT_ENV, 3);
	assert_string_equal(msg, want);
}

static void
mallocarray_overflow(void)
{
	(void)xmallocarray(SIZE_MAX / 2 + 1, 2);
}

static void
reallocarray_overflow(void)
{
	(void)xreallocarray(NULL, 3, SIZE_MAX / 2);
}

/* The count cannot double past need without overflowing. */
static void
growarray_count_overflow(void)
{
	size_t cap = 0;

	(void)xgrowarray(NULL, &cap, SIZE_MAX, 1);
}

/* The count fits, the bytes do not. */
static void
growarray_size_overflow(void)
{
	size_t cap = 0;

	(void)xgrowarray(NULL, &cap, (size_t)1 << 40, (size_t)1 << 30);
}

static void
array_products_die_with_status_3(void **state)
{
	char want[160];

	snprintf(want, sizeof(want), "test_err: out of memory (%zu x 2 bytes)\n",
	    SIZE_MAX / 2 + 1);
	expect_oom(mallocarray_overflow, want);
	snprintf(want, sizeof(want), "test_err: out of memory (3 x %zu bytes)\n",
	    SIZE_MAX / 2);
	expect_oom(reallocarray_overflow, want);
	snprintf(want, sizeof(want), "test_err: out of memory (%zu elements)\n",
	    SIZE_MAX);
	expect_oom(growarray_count_overflow, want);
	snprintf(want, sizeof(want), "test_err: out of memory (%zu x %zu bytes)\n",
	    (size_t)1 << 40, (size_t)1 << 30);
	expect_oom(growarray_size_overflow, want);
}

static void
growarray_doubles_from_16(void **state)
{
	size_t cap = 0, i;
	int *v = xgrowarray(NULL, &cap, 1, sizeof(*v)), *w;

	assert_int_equal(cap, 16);
	for (i = 0; i < 16; i++)
		v[i] = (int)i;
	/* enough room already: the same array, the same capacity */
	assert_ptr_equal(xgrowarray(v, &cap, 16, sizeof(*v)), v);
	assert_int_equal(cap, 16);
	w = xgrowarray(v, &cap, 17, sizeof(*v));
	assert_int_equal(cap, 32);
	w = xgrowarray(w, &cap, 1000, sizeof(*w));
	assert_int_equal(cap, 1024);
	for (i = 0; i < 16; i++)
		assert_int_equal(w[i], (int)i);
	w[1023] = 1;
	free(w);
}

static void
zero_sizes_allocate(void **state)
{
	void *p = xmallocarray(0, 8), *q = xmallocarray(8, 0);

	assert_non_null(p);
	assert_non_null(q);
	p = xreallocarray(p, 0, 0);
	assert_non_null(p);
	free(p);
	free(q);
}

static void
err_set_truncates(void **state)
{
	char e[8];

	assert_int_equal(err_set(e, sizeof(e), "%s %d", "abcdef", 123), -1);
	assert_string_equal(e, "abcdef ");
	assert_int_equal(err_set(e, sizeof(e), "ok"), -1);
	assert_string_equal(e, "ok");
}

static void
err_set_with_no_room_writes_nothing(void **state)
{
	char e[4] = "xyz";

	assert_int_equal(err_set(e, 0, "message"), -1);
	assert_string_equal(e, "xyz");
	assert_int_equal(err_set(NULL, 0, "message"), -1);
	assert_int_equal(err_set(e, 1, "message"), -1);
	assert_string_equal(e, "");
}

static void
hook(void)
{
	fputs("hook ran\n", stderr);
}

static void
die_runs_the_hook(void)
{
	err_on_exit(hook);
	die(EXIT_DATA, "bad %s", "record");
}

static void
die_names_the_program_and_runs_the_hook_once(void **state)
{
	char msg[256];
	int status = in_child(die_runs_the_hook, msg, sizeof(msg));

	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), EXIT_DATA);
	assert_string_equal(msg, "test_err: bad record\nhook ran\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(array_products_die_with_status_3),
		cmocka_unit_test(growarray_doubles_from_16),
		cmocka_unit_test(zero_sizes_allocate),
		cmocka_unit_test(err_set_truncates),
		cmocka_unit_test(err_set_with_no_room_writes_nothing),
		cmocka_unit_test(die_names_the_program_and_runs_the_hook_once),
	};

	return cmocka_run_group_tests_name("err", tests, NULL, NULL);
}
