/* defaults.c - the policies and reference values verdictd installs when
 * the state directory has none, so that `verdict --export-opa-reference
 * sgxData` works on a fresh install as the seeds show.
 *
 * Unlike the original's default (any enclave, any TCB), every default
 * here refuses every peer until the owner lists what is allowed: a genuine
 * TEE proves only that it is one, and any VM on the same cloud has one.
 * Beyond that each refuses debug TEEs and requires the TCB status the
 * verifier reports to be listed in tcbStatus (["UpToDate"]). Once one
 * measurement list holds a value, the lists left empty accept any value
 * (as in the original's sgxData). Each default has a `configured` rule,
 * false until something is listed, which verdictd reads at start to say
 * what it will accept. The resource policy's default gives every peer so
 * allowed every key and resource, as before there was one. */
#include <stdlib.h>
#include <string.h>
#include "store.h"

/* The EAR's trust vector (docs/kbs-protocol.md 9.4), read by the KBS
 * endpoint for each token it issues to a peer allow let through: as in
 * trustee's default CPU policy, executables 33 ("not recognized"),
 * hardware 97 ("not recognized, should be") and configuration 36
 * ("unavailable") until the TEE's rules below say better; the other five
 * claims make no assertion (0). */
#define TRUST_DEFAULTS_V0                                                      \
	"# The EAR's trust vector, as trustee's default CPU policy sets it.\n"  \
	"default executables = 33\n"                                           \
	"default hardware = 97\n"                                              \
	"default configuration = 36\n"                                         \
	"\n"
#define TRUST_CLAIMS_V0                                                        \
	"\n"                                                                    \
	"trust_claims = {\n"                                                    \
	"    \"executables\": executables,\n"                                   \
	"    \"hardware\": hardware,\n"                                         \
	"    \"configuration\": configuration,\n"                               \
	"}\n"
#define TRUST_DEFAULTS                                                         \
	"# The EAR's trust vector, as trustee's default CPU policy sets it.\n"  \
	"default executables := 33\n"                                          \
	"\n"                                                                    \
	"default hardware := 97\n"                                             \
	"\n"                                                                    \
	"default configuration := 36\n"                                        \
	"\n"
#define TRUST_CLAIMS                                                           \
	"\n"                                                                    \
	"trust_claims := {\n"                                                   \
	"    \"executables\": executables,\n"                                   \
	"    \"hardware\": hardware,\n"                                         \
	"    \"configuration\": configuration,\n"                               \
	"}\n"

/* SGX: verdictd's sgxPolicy.rego (its input: mrEnclave, mrSigner,
 * productId, svn) plus debug and TCB checks on our verifier's claims. */
static const char sgx_policy[] =
	"package policy\n"
	"\n"
	"# By default, deny requests.\n"
	"default allow = false\n"
	"\n"
	"allow {\n"
	"    not input.debug\n"
	"    tcb_is_accepted\n"
	"    configured\n"
	"    mrEnclave_is_grant\n"
	"    mrSigner_is_grant\n"
	"    input.productId >= data.productId\n"
	"    input.svn >= data.svn\n"
	"}\n"
	"\n"
	"# Nothing is accepted until the enclave or its signer is listed.\n"
	"default configured = false\n"
	"\n"
	"configured {\n"
	"    count(data.mrEnclave) > 0\n"
	"}\n"
	"configured {\n"
	"    count(data.mrSigner) > 0\n"
	"}\n"
	"\n"
	"tcb_is_accepted {\n"
	"    input.tcb_status == data.tcbStatus[_]\n"
	"}\n"
	"tcb_is_accepted {\n"
	"    not data.tcbStatus\n"
	"    input.tcb_status == \"UpToDate\"\n"
	"}\n"
	"\n"
	"mrEnclave_is_grant {\n"
	"    count(data.mrEnclave) == 0\n"
	"}\n"
	"mrEnclave_is_grant {\n"
	"    count(data.mrEnclave) > 0\n"
	"    input.mrEnclave == data.mrEnclave[_]\n"
	"}\n"
	"\n"
	"mrSigner_is_grant {\n"
	"    count(data.mrSigner) == 0\n"
	"}\n"
	"mrSigner_is_grant {\n"
	"    count(data.mrSigner) > 0\n"
	"    input.mrSigner == data.mrSigner[_]\n"
	"}\n"
	"\n"
	TRUST_DEFAULTS_V0
	"executables = 3 {\n"
	"    configured\n"
	"    mrEnclave_is_grant\n"
	"    mrSigner_is_grant\n"
	"}\n"
	"\n"
	"hardware = 2 {\n"
	"    tcb_is_accepted\n"
	"}\n"
	"\n"
	"configuration = 2 {\n"
	"    not input.debug\n"
	"}\n"
	"\n"
	TRUST_CLAIMS_V0;

static const char sgx_data[] =
	"{\n"
	"    \"mrEnclave\": [],\n"
	"    \"mrSigner\": [],\n"
	"    \"productId\": 0,\n"
	"    \"svn\": 0,\n"
	"    \"tcbStatus\": [\"UpToDate\"]\n"
	"}\n";

/* The measurement rule the TDX and SNP defaults share: a field passes when
 * its list in data.measurements holds the claim, or is empty or missing. */
#define REGO_LISTED(identity)                                                 \
	"# Nothing is accepted until the workload's own measurement (" identity \
	") is listed:\n"                                                          \
	"# the other fields are chosen by the host or shared by the platform.\n" \
	"# Then an empty or missing list accepts any value.\n"                   \
	"default configured := false\n"                                          \
	"\n"                                                                      \
	"configured if count(object.get(data.measurements, \"" identity "\", [])) > 0\n" \
	"\n"                                                                      \
	"listed(field) if count(object.get(data.measurements, field, [])) == 0\n" \
	"\n"                                                                      \
	"listed(field) if input[field] in data.measurements[field]\n"

/* TDX: the claims of our tdx_ecdsa verifier (hex fields). Reference
 * measurements sit under "measurements" so that the policy can look them
 * up by name without reading its own package (which Rego calls
 * recursion). */
static const char tdx_policy[] =
	"package policy\n"
	"\n"
	"import rego.v1\n"
	"\n"
	"default allow := false\n"
	"\n"
	"allow if {\n"
	"    configured\n"
	"    not input.td_debug\n"
	"    input.tcb_status in object.get(data.settings, \"tcbStatus\", [\"UpToDate\"])\n"
	"    every field in [\"mr_td\", \"mr_config_id\", \"mr_owner\", \"rtmr0\", \"rtmr1\",\n"
	"                    \"rtmr2\", \"rtmr3\", \"mr_seam\"] {\n"
	"        listed(field)\n"
	"    }\n"
	"}\n"
	"\n"
	REGO_LISTED("mr_td")
	"\n"
	TRUST_DEFAULTS
	"executables := 3 if {\n"
	"    configured\n"
	"    every field in [\"mr_td\", \"rtmr0\", \"rtmr1\", \"rtmr2\", \"rtmr3\"] {\n"
	"        listed(field)\n"
	"    }\n"
	"}\n"
	"\n"
	"hardware := 2 if {\n"
	"    input.tcb_status in object.get(data.settings, \"tcbStatus\", [\"UpToDate\"])\n"
	"    listed(\"mr_seam\")\n"
	"}\n"
	"\n"
	"configuration := 2 if {\n"
	"    not input.td_debug\n"
	"    listed(\"mr_config_id\")\n"
	"    listed(\"mr_owner\")\n"
	"}\n"
	TRUST_CLAIMS;

static const char tdx_data[] =
	"{\n"
	"    \"measurements\": {\n"
	"        \"mr_td\": [],\n"
	"        \"mr_config_id\": [],\n"
	"        \"mr_owner\": [],\n"
	"        \"rtmr0\": [],\n"
	"        \"rtmr1\": [],\n"
	"        \"rtmr2\": [],\n"
	"        \"rtmr3\": [],\n"
	"        \"mr_seam\": []\n"
	"    },\n"
	"    \"settings\": {\"tcbStatus\": [\"UpToDate\"]}\n"
	"}\n";

/* SEV-SNP: the claims of our sev_snp verifier. A guest that allows
 * debugging is refused; listed measurements (empty: any) and minimum
 * reported TCB parts apply. The chain, TCB binding and signature were
 * checked by the verifier. */
static const char snp_policy[] =
	"package policy\n"
	"\n"
	"import rego.v1\n"
	"\n"
	"default allow := false\n"
	"\n"
	"allow if {\n"
	"    configured\n"
	"    not input.policy_debug_allowed\n"
	"    every field in [\"measurement\", \"host_data\", \"id_key_digest\", \"chip_id\"] {\n"
	"        listed(field)\n"
	"    }\n"
	"    every part in [\"bootloader\", \"tee\", \"snp\", \"microcode\"] {\n"
	"        input[concat(\"\", [\"reported_tcb_\", part])] >= object.get(data.minimum_tcb, part, 0)\n"
	"    }\n"
	"}\n"
	"\n"
	REGO_LISTED("measurement")
	"\n"
	TRUST_DEFAULTS
	"executables := 3 if {\n"
	"    configured\n"
	"    listed(\"measurement\")\n"
	"}\n"
	"\n"
	"hardware := 2 if {\n"
	"    every part in [\"bootloader\", \"tee\", \"snp\", \"microcode\"] {\n"
	"        input[concat(\"\", [\"reported_tcb_\", part])] >= object.get(data.minimum_tcb, part, 0)\n"
	"    }\n"
	"    listed(\"chip_id\")\n"
	"}\n"
	"\n"
	"configuration := 2 if {\n"
	"    not input.policy_debug_allowed\n"
	"    listed(\"host_data\")\n"
	"    listed(\"id_key_digest\")\n"
	"}\n"
	TRUST_CLAIMS;

static const char snp_data[] =
	"{\n"
	"    \"measurements\": {\n"
	"        \"measurement\": [],\n"
	"        \"host_data\": [],\n"
	"        \"id_key_digest\": [],\n"
	"        \"chip_id\": []\n"
	"    },\n"
	"    \"minimum_tcb\": {\"bootloader\": 0, \"tee\": 0, \"snp\": 0, \"microcode\": 0}\n"
	"}\n";

/* Hygon CSV: the seeds' csvPolicy.rego (measure in csvData's list), no
 * debuggable guest, and, unlike the seeds', an empty list accepts none. */
static const char csv_policy[] =
	"package policy\n"
	"\n"
	"# By default, deny requests.\n"
	"default allow = false\n"
	"\n"
	"allow {\n"
	"    input.policy_nodbg\n"
	"    input.measure == data.measure[_]\n"
	"}\n"
	"\n"
	"# Nothing is accepted until a measure is listed.\n"
	"default configured = false\n"
	"\n"
	"configured {\n"
	"    count(data.measure) > 0\n"
	"}\n"
	"\n"
	TRUST_DEFAULTS_V0
	"executables = 3 {\n"
	"    input.measure == data.measure[_]\n"
	"}\n"
	"\n"
	"# the chain from Hygon's root is checked; the chip is named by a serial\n"
	"# number only when its HSK/CEK were Hygon's answer for it\n"
	"hardware = 2 {\n"
	"    input.serial_number\n"
	"}\n"
	"\n"
	"configuration = 2 {\n"
	"    input.policy_nodbg\n"
	"}\n"
	TRUST_CLAIMS_V0;

static const char csv_data[] = "{\n    \"measure\": []\n}\n";

/* TPM 2.0: the verifier proved that a trusted AK quoted these PCR values;
 * which values are good is the owner's to say. Every PCR listed in
 * tpmData's pcrs must hold one of its listed values; with none listed,
 * nothing is accepted. */
static const char tpm_policy[] =
	"package policy\n"
	"\n"
	"import rego.v1\n"
	"\n"
	"default allow := false\n"
	"\n"
	"allow if pcrs_hold\n"
	"\n"
	"pcrs_hold if {\n"
	"    configured\n"
	"    every pcr, values in data.pcrs {\n"
	"        input[pcr] in values\n"
	"    }\n"
	"}\n"
	"\n"
	"default configured := false\n"
	"\n"
	"configured if count(data.pcrs) > 0\n"
	"\n"
	"# The EAR's trust vector, as trustee's default CPU policy sets it for a\n"
	"# TPM: hardware 2 for a quote that verified (here: by an AK the owner\n"
	"# enrolled), executables 3 once the listed PCRs hold, configuration 0.\n"
	"default executables := 33\n"
	"\n"
	"executables := 3 if pcrs_hold\n"
	"\n"
	"hardware := 2\n"
	"\n"
	"configuration := 0\n"
	TRUST_CLAIMS;

static const char tpm_data[] = "{\n    \"pcrs\": {}\n}\n";

/* Azure confidential VMs (docs/cloud.md): the vTPM's PCRs measure the
 * guest's boot chain, the hardware report Azure's paravisor. Nothing is
 * accepted until the owner lists PCR values (data.pcrs, as the claims
 * name them: "pcr04": [hex, ...]); every listed PCR must then hold. The
 * hardware claims sit under input.snp / input.tdx: a debuggable guest is
 * refused, the SNP TCB must reach data.minimum_tcb, the TD quote's TCB
 * status must be one of data.settings.tcbStatus (offline: "NotEvaluated"
 * must be listed by the owner), and a paravisor measurement listed in
 * data.paravisor (SNP "measurement", TDX "mr_td") must match; an empty
 * list accepts any. */
#define AZ_VTPM_COMMON                                                         \
	"default configured := false\n"                                        \
	"\n"                                                                    \
	"configured if count(data.pcrs) > 0\n"                                 \
	"\n"                                                                    \
	"pcrs_hold if {\n"                                                     \
	"    configured\n"                                                     \
	"    every pcr, values in data.pcrs {\n"                               \
	"        input.tpm[pcr] in values\n"                                   \
	"    }\n"                                                              \
	"}\n"                                                                   \
	"\n"

static const char az_snp_vtpm_policy[] =
	"package policy\n"
	"\n"
	"import rego.v1\n"
	"\n"
	"default allow := false\n"
	"\n"
	"allow if {\n"
	"    pcrs_hold\n"
	"    hardware_holds\n"
	"}\n"
	"\n"
	AZ_VTPM_COMMON
	"hardware_holds if {\n"
	"    not input.snp.policy_debug_allowed\n"
	"    every part in [\"bootloader\", \"tee\", \"snp\", \"microcode\"] {\n"
	"        input.snp[concat(\"\", [\"reported_tcb_\", part])] >= object.get(data.minimum_tcb, part, 0)\n"
	"    }\n"
	"    paravisor_listed\n"
	"}\n"
	"\n"
	"# An empty list of paravisor measurements accepts any (Azure updates it).\n"
	"paravisor_listed if count(object.get(data.paravisor, \"measurement\", [])) == 0\n"
	"\n"
	"paravisor_listed if input.snp.measurement in data.paravisor.measurement\n"
	"\n"
	TRUST_DEFAULTS
	"executables := 3 if pcrs_hold\n"
	"\n"
	"hardware := 2 if hardware_holds\n"
	"\n"
	"configuration := 0\n"
	TRUST_CLAIMS;

static const char az_snp_vtpm_data[] =
	"{\n"
	"    \"pcrs\": {},\n"
	"    \"paravisor\": {\"measurement\": []},\n"
	"    \"minimum_tcb\": {\"bootloader\": 0, \"tee\": 0, \"snp\": 0, \"microcode\": 0}\n"
	"}\n";

static const char az_tdx_vtpm_policy[] =
	"package policy\n"
	"\n"
	"import rego.v1\n"
	"\n"
	"default allow := false\n"
	"\n"
	"allow if {\n"
	"    pcrs_hold\n"
	"    hardware_holds\n"
	"}\n"
	"\n"
	AZ_VTPM_COMMON
	"hardware_holds if {\n"
	"    not input.tdx.td_debug\n"
	"    input.tdx.tcb_status in object.get(data.settings, \"tcbStatus\", [\"UpToDate\"])\n"
	"    paravisor_listed\n"
	"}\n"
	"\n"
	"# An empty list of paravisor measurements accepts any (Azure updates it).\n"
	"paravisor_listed if count(object.get(data.paravisor, \"mr_td\", [])) == 0\n"
	"\n"
	"paravisor_listed if input.tdx.mr_td in data.paravisor.mr_td\n"
	"\n"
	TRUST_DEFAULTS
	"executables := 3 if pcrs_hold\n"
	"\n"
	"hardware := 2 if hardware_holds\n"
	"\n"
	"configuration := 0\n"
	TRUST_CLAIMS;

static const char az_tdx_vtpm_data[] =
	"{\n"
	"    \"pcrs\": {},\n"
	"    \"paravisor\": {\"mr_td\": []},\n"
	"    \"settings\": {\"tcbStatus\": [\"UpToDate\"]}\n"
	"}\n";

/* The sample TEE proves nothing: refuse until measurements are listed. */
static const char sample_policy[] =
	"package policy\n"
	"\n"
	"import rego.v1\n"
	"\n"
	"# The sample TEE is software-signed: accept only measurements the\n"
	"# owner listed. An empty list accepts nothing.\n"
	"default allow := false\n"
	"\n"
	"allow if {\n"
	"    input.measurement in data.measurement\n"
	"    input.svn >= data.svn\n"
	"}\n"
	"\n"
	"default configured := false\n"
	"\n"
	"configured if count(data.measurement) > 0\n"
	"\n"
	TRUST_DEFAULTS
	"executables := 3 if input.measurement in data.measurement\n"
	"\n"
	"hardware := 2 if input.svn >= data.svn\n"
	"\n"
	"configuration := 2 if not input.debug\n"
	TRUST_CLAIMS;

static const char sample_data[] = "{\n    \"measurement\": [],\n    \"svn\": 0\n}\n";

/* NVIDIA GPUs (Hopper), each verified by verdictd to NVIDIA's pinned
 * device root (docs/cloud.md): their signed evidence says nothing of CC
 * mode, so the policy rests on what is signed. Nothing is accepted until
 * the owner lists driver and VBIOS versions; then every measurement must
 * match NVIDIA's RIMs (given to verdictd as -o nvidia.rim=FILE), or,
 * without RIMs, the golden values the owner listed per measurement index;
 * revocation is required once the owner sets require_revocation. */
static const char nvidia_policy[] =
	"package policy\n"
	"\n"
	"import rego.v1\n"
	"\n"
	"default allow := false\n"
	"\n"
	"allow if {\n"
	"    configured\n"
	"    input.config.driver_version in data.driver_version\n"
	"    input.config.vbios_version in data.vbios_version\n"
	"    measured\n"
	"    revocation_ok\n"
	"}\n"
	"\n"
	"default configured := false\n"
	"\n"
	"configured if {\n"
	"    count(data.driver_version) > 0\n"
	"    count(data.vbios_version) > 0\n"
	"}\n"
	"\n"
	"# NVIDIA's signed RIMs for both the driver and the VBIOS matched\n"
	"measured if {\n"
	"    input.rim.checked\n"
	"    input.rim.complete\n"
	"}\n"
	"\n"
	"# no RIMs: the owner's own golden values, every listed index present\n"
	"measured if {\n"
	"    not input.rim.checked\n"
	"    count(data.measurements) > 0\n"
	"    every index, values in data.measurements {\n"
	"        input.measurements[index] in values\n"
	"    }\n"
	"}\n"
	"\n"
	"default revocation_ok := false\n"
	"\n"
	"revocation_ok if not data.require_revocation\n"
	"\n"
	"revocation_ok if input.revocation.checked\n"
	"\n"
	TRUST_DEFAULTS
	"executables := 3 if measured\n"
	"\n"
	"hardware := 2 if revocation_ok\n"
	"\n"
	"configuration := 2 if {\n"
	"    input.config.driver_version in data.driver_version\n"
	"    input.config.vbios_version in data.vbios_version\n"
	"}\n"
	TRUST_CLAIMS;

static const char nvidia_data[] =
	"{\n"
	"    \"driver_version\": [],\n"
	"    \"vbios_version\": [],\n"
	"    \"measurements\": {},\n"
	"    \"require_revocation\": false\n"
	"}\n";

/* The resource policy (resource_policy.h): asked once per kid and per
 * resource, only for peers their TEE's policy allowed. The default gives
 * each of them every key and resource, as verdictd did before it had one;
 * the owner narrows it (docs/verdictd.md shows one tenant per
 * measurement). */
static const char resource_policy[] =
	"package policy\n"
	"\n"
	"import rego.v1\n"
	"\n"
	"# Which key or resource an attested peer may read. verdictd asks\n"
	"# data.policy.allow once per kid and per resource, with the input\n"
	"#   {\"tee\": \"sgx\", \"claims\": {...}, \"command\": \"Decrypt\",\n"
	"#    \"kid\": \"default/key/1\", \"path\": \"keys/default/key/1\"}\n"
	"# (\"resource\" instead of \"kid\" for resources). Only peers that\n"
	"# their TEE's policy allowed get here. Anything but true refuses,\n"
	"# undefined too.\n"
	"#\n"
	"# This default: every such peer may read every key and resource.\n"
	"allow := true\n";

static const char resource_data[] = "{}\n";


static const struct {
	enum vd_tee tee;
	const char *policy, *data;
} defaults[] = {
	{ VD_TEE_SGX, sgx_policy, sgx_data },
	{ VD_TEE_TDX, tdx_policy, tdx_data },
	{ VD_TEE_SAMPLE, sample_policy, sample_data },
	/* the sample device (composite evidence's test GPU) is the sample
	 * TEE's signed report, under a policy of its own */
	{ VD_TEE_SAMPLEDEVICE, sample_policy, sample_data },
	{ VD_TEE_NVIDIA, nvidia_policy, nvidia_data },
	{ VD_TEE_SNP, snp_policy, snp_data },
	{ VD_TEE_CSV, csv_policy, csv_data },
	{ VD_TEE_TPM, tpm_policy, tpm_data },
	{ VD_TEE_AZ_SNP_VTPM, az_snp_vtpm_policy, az_snp_vtpm_data },
	{ VD_TEE_AZ_TDX_VTPM, az_tdx_vtpm_policy, az_tdx_vtpm_data },
	{ VD_OPA_RESOURCE, resource_policy, resource_data },
};

bool vd_store_install_defaults(struct vd_store *s, struct eaa_err *err)
{
	struct eaa_err ignore;
	size_t i, n;
	char *text;

	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		enum vd_tee t = defaults[i].tee;

		/* reference values first: the policy is checked against them;
		 * only a document that is not there is replaced (a store that
		 * cannot be read stops verdictd, it never overwrites) */
		if (!vd_opa_get(s, t, true, &text, &n, &ignore)) {
			if (ignore.code != EAA_E_CONFIG)
				return eaa_fail(err, ignore.code, "%s", ignore.msg);
			if (!vd_opa_set(s, t, true, defaults[i].data,
					strlen(defaults[i].data), err))
				return false;
		} else {
			free(text);
		}
		if (!vd_opa_get(s, t, false, &text, &n, &ignore)) {
			if (ignore.code != EAA_E_CONFIG)
				return eaa_fail(err, ignore.code, "%s", ignore.msg);
			if (!vd_opa_set(s, t, false, defaults[i].policy,
					strlen(defaults[i].policy), err))
				return false;
		} else {
			free(text);
		}
	}
	return true;
}
