//! bench-regorus - bench-rego's twin on regorus: the same policies,
//! reference data and inputs; each evaluation sets the input (parsed from
//! JSON) and evaluates data.policy.allow, the per-request cost bench-rego
//! measures. The engine is prepared once; each evaluation only sets a new
//! input on it (regorus's fastest way; trustee builds an engine per
//! request, which costs more).
//!
//!     bench-regorus [-n EVALS] DATA_DIR
use std::time::Instant;

const SGX_DATA: &str = r#"{"mrEnclave":["zqs/chEBBNrInHlSCDO+0eV/pnlAB5qieF3M0hKfekA="],"mrSigner":["g9cZ533qyhRw9rr2Kk13QwPImdtpAg+ccO4d/AjHzp4="],"productId":0,"svn":0}"#;
const SGX_OK: &str = r#"{"mrEnclave":"zqs/chEBBNrInHlSCDO+0eV/pnlAB5qieF3M0hKfekA=","mrSigner":"g9cZ533qyhRw9rr2Kk13QwPImdtpAg+ccO4d/AjHzp4=","productId":0,"svn":0}"#;
const SGX_BAD: &str = r#"{"mrEnclave":"+PLc9QPrEZ6ad9e3BgihgOINOVPYvIj0v/ixt2Kbwyw=","mrSigner":"g9cZ533qyhRw9rr2Kk13QwPImdtpAg+ccO4d/AjHzp4=","productId":0,"svn":0}"#;
const CSV_OK: &str = r#"{"measure":"OJXIhq3PHbknNmpAIy8YpUHOpY0wvGRXULOW8djVAZA="}"#;
const CSV_BAD: &str = r#"{"measure":"OJXlhq3PHbknNmpAly8YpUHOpY0wvGRXULOW8djVAZA="}"#;

fn engine(dir: &str, policy: &str, data: &str) -> regorus::Engine {
    let mut e = regorus::Engine::new();
    e.set_rego_v0(true);
    let path = format!("{dir}/policy/{policy}");
    let src = std::fs::read_to_string(&path).expect("policy");
    e.add_policy(path, src).expect("compile");
    e.add_data(regorus::Value::from_json_str(data).expect("data")).expect("data");
    e
}

fn measure(e: &mut regorus::Engine, input: &str, want: bool, n: usize) -> f64 {
    let t0 = Instant::now();
    for _ in 0..n {
        e.set_input(regorus::Value::from_json_str(input).expect("input"));
        let v = e.eval_rule("data.policy.allow".to_string()).expect("eval");
        assert_eq!(v, regorus::Value::from(want));
    }
    n as f64 / t0.elapsed().as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut n = 100_000usize;
    let mut dir = "tests/data".to_string();
    let mut i = 1;
    while i < args.len() {
        if args[i] == "-n" {
            n = args[i + 1].parse().expect("-n");
            i += 2;
        } else {
            dir = args[i].clone();
            i += 1;
        }
    }
    let csv_data = std::fs::read_to_string(format!("{dir}/policy/seed_csvData.json")).expect("csvData");
    let mut s = engine(&dir, "verdictd_sgxPolicy.rego", SGX_DATA);
    let mut c = engine(&dir, "seed_csvPolicy.rego", &csv_data);
    measure(&mut s, SGX_OK, true, 1000);
    println!("regorus {n} evaluations per case");
    println!("sgx allow  {:10.0} evals/s", measure(&mut s, SGX_OK, true, n));
    println!("sgx deny   {:10.0} evals/s", measure(&mut s, SGX_BAD, false, n));
    println!("csv allow  {:10.0} evals/s", measure(&mut c, CSV_OK, true, n));
    println!("csv deny   {:10.0} evals/s", measure(&mut c, CSV_BAD, false, n));
}
