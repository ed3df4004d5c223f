/* http_get.c - the bounded GET of http_get.h. */
#include <curl/curl.h>
#include "http_get.h"

struct sink {
	struct wr *w;
	size_t max;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;

	if (s->w->len + size * n > s->max || !wr_bytes(s->w, p, size * n))
		return 0;   /* aborts the transfer */
	return size * n;
}

bool http_get(const struct http_get *g, struct wr *body, struct eaa_err *err)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct sink sink = { body, g->max };
	long status = 0;
	CURLcode rc;
	CURL *c;

	wr_init(body);
	if (!(c = curl_easy_init()))
		return eaa_fail(err, EAA_E_NOMEM, "%s %s: cannot start libcurl", g->what, g->url);
	curl_easy_setopt(c, CURLOPT_URL, g->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	if (g->on_header) {
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, g->on_header);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, g->header_arg);
	}
	if (g->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, g->ca_file);
	if (g->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	if (rc == CURLE_WRITE_ERROR && !body->failed)
		return eaa_fail(err, EAA_E_FORMAT, "%s %s: the answer is over %zu bytes", g->what,
				g->url, g->max);
	if (rc != CURLE_OK)
		return eaa_fail(err, EAA_E_IO, "%s %s: %s", g->what, g->url,
				errbuf[0] ? errbuf : curl_easy_strerror(rc));
	if (status != 200)
		return eaa_fail(err, EAA_E_IO, "%s %s: HTTP status %ld", g->what, g->url, status);
	return true;
}
