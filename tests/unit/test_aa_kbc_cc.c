/* test_aa_kbc_cc.c - cc_kbc's list of KBS URLs, checked when the agent
 * starts: up to 8, each as one URL always was (https:// or http://,
 * HOST:PORT and no path, plain HTTP only with --insecure-broker, https
 * pinned), and an error that names the URL that is wrong. Failing over
 * between them is test_agent_cc.sh's, with real KBSs. */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <unistd.h>
#include "kbc.h"
#include "test.h"

static char dir[64], key[128];
static const char *options[] = {
	key, "sample.measurement="
	"0000000000000000000000000000000000000000000000000000000000000000", NULL,
};

/* conf as the agent makes it from --attester sample --allow-sample, the
 * KBS pinned by a CA file (not read until a connection is made). */
static struct aa_kbc_conf pinned(void)
{
	return (struct aa_kbc_conf){ .attester = "sample", .allow_sample = true,
				     .broker_ca = "/nonexistent/ca.pem", .options = options };
}

static bool opens(const char *list, struct aa_kbc_conf conf)
{
	struct eaa_err err = { 0 };
	void *c = aa_kbc_cc.open(list, &conf, &err);

	if (!c)
		fprintf(stderr, "\"%s\" refused: %s\n", list, err.msg);
	else
		aa_kbc_cc.close(c);
	return c != NULL;
}

/* Refused at start with a configuration error whose message has why. */
static bool refused(const char *list, struct aa_kbc_conf conf, const char *why)
{
	struct eaa_err err = { 0 };
	void *c = aa_kbc_cc.open(list, &conf, &err);

	if (c) {
		fprintf(stderr, "\"%s\" was taken\n", list);
		aa_kbc_cc.close(c);
		return false;
	}
	if (err.code != EAA_E_CONFIG || !strstr(err.msg, why)) {
		fprintf(stderr, "\"%s\": %s (code %d) lacks \"%s\"\n", list, err.msg, err.code,
			why);
		return false;
	}
	return true;
}

int main(void)
{
	struct aa_kbc_conf insecure = pinned();
	EVP_PKEY *k;
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/test_aa_kbc_cc.XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(key, sizeof(key), "sample.key=%s/key.pem", dir);
	k = EVP_EC_gen("P-256");
	f = fopen(key + strlen("sample.key="), "w");
	CHECK(k && f && PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1);
	if (f)
		fclose(f);
	EVP_PKEY_free(k);
	insecure.broker_ca = NULL;
	insecure.insecure_broker = true;

	/* taken: one URL, eight, plain HTTP among them when insecure is said */
	CHECK(opens("https://127.0.0.1:8080", pinned()));
	CHECK(opens("https://a:1,https://b:2,https://c:3,https://d:4,https://e:5,https://f:6,"
		    "https://g:7,https://[::1]:8", pinned()));
	CHECK(opens("http://127.0.0.1:1,https://127.0.0.1:2", insecure));

	/* one URL: the message it always had */
	CHECK(refused("ftp://kbs:1", pinned(), "want https://HOST:PORT (or http://), not "
		      "\"ftp://kbs:1\""));
	CHECK(refused("", pinned(), "URL 1 of \"\" is empty"));
	CHECK(refused("https://", pinned(), "not \"https://\""));
	/* more than eight: the ninth named */
	CHECK(refused("https://a:1,https://b:2,https://c:3,https://d:4,https://e:5,https://f:6,"
		      "https://g:7,https://h:8,https://i:9", pinned(), "URL 9 of \"https://a:1,"));
	CHECK(refused("https://a:1,https://b:2,https://c:3,https://d:4,https://e:5,https://f:6,"
		      "https://g:7,https://h:8,https://i:9", pinned(), "at most 8 KBS URLs"));
	/* an empty element, wherever it is */
	CHECK(refused(",https://b:2", pinned(), "URL 1 of \",https://b:2\" is empty"));
	CHECK(refused("https://a:1,,https://c:3", pinned(), "URL 2 of \"https://a:1,,https://c:3\" "
		      "is empty"));
	CHECK(refused("https://a:1,", pinned(), "URL 2 of \"https://a:1,\" is empty"));
	/* each element checked as one URL is */
	CHECK(refused("https://a:1,ftp://b:2", pinned(), "not URL 2 (\"ftp://b:2\") of"));
	CHECK(refused("https://a:1,https://b:2,https://c:3/kbs", pinned(),
		      "not URL 3 (\"https://c:3/kbs\") of"));
	CHECK(refused("https://a:1, https://b:2", pinned(), "not URL 2 (\" https://b:2\") of"));
	CHECK(refused("https://a:1,http://b:2", pinned(), "http://b:2 is plain HTTP"));
	insecure.insecure_broker = false;
	CHECK(refused("http://a:1,https://b:2", insecure, "http://a:1 is plain HTTP"));
	CHECK(refused("https://b:2", insecure, "https://b:2: pin the KBS"));
	test_rm_rf(dir);
	return test_summary();
}
