/*
 * mockbroker: a local Kafka cluster for tests and the demo, from librdkafka's
 * mock cluster. Prints BROKERS=host:port and runs until its stdin closes.
 *
 *   mockbroker [-b brokers] [-t topic:partitions] ...
 *
 * The mock cluster keeps only about 5 MB or 100,000 messages per partition:
 * spread larger data over more partitions.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef CFKIT_VERSION
#define CFKIT_VERSION "unknown"
#endif

static void
fatal(const char *msg, const char *detail)
{
	fprintf(stderr, "mockbroker: %s%s%s\n", msg, detail ? ": " : "",
	    detail ? detail : "");
	exit(3);
}

int
main(int argc, char **argv)
{
	rd_kafka_mock_cluster_t *mc;
	rd_kafka_conf_t *conf;
	char errstr[256], buf[256];
	int ch, brokers = 1;
	rd_kafka_t *rk;

	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("mockbroker (cfkit) %s\n", CFKIT_VERSION);
		return 0;
	}
	while ((ch = getopt(argc, argv, "b:t:")) != -1)
		if (ch == 'b')
			brokers = atoi(optarg);
		else if (ch != 't')
			goto usage;
	if (optind != argc || brokers < 1)
		goto usage;

	conf = rd_kafka_conf_new();
	rd_kafka_conf_set(conf, "log_level", "3", NULL, 0);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (!rk)
		fatal("cannot create the client that hosts the cluster", errstr);
	mc = rd_kafka_mock_cluster_new(rk, brokers);
	if (!mc)
		fatal("cannot start the mock cluster", NULL);

	optind = 1;
	while ((ch = getopt(argc, argv, "b:t:")) != -1) {
		char *colon;
		int parts = 1;

		if (ch != 't')
			continue;
		if ((colon = strrchr(optarg, ':')) != NULL) {
			*colon = '\0';
			parts = atoi(colon + 1);
		}
		if (parts < 1 || rd_kafka_mock_topic_create(mc, optarg, parts, 1))
			fatal("cannot create topic", optarg);
	}

	printf("BROKERS=%s\n", rd_kafka_mock_cluster_bootstraps(mc));
	fflush(stdout);
	while (fgets(buf, sizeof(buf), stdin))
		;
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return 0;
usage:
	fprintf(stderr, "usage: mockbroker [-b brokers] [-t topic:partitions] ...\n");
	return 2;
}
