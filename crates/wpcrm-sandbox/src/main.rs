//! `wpcrm-sandbox --listen 127.0.0.1:0 --ca-out DIR/ca.pem [--data seed.json] [--latency-ms N]
//!  [--auto-approve] [--replication-delay-ms N] [--state-dir DIR]` — see `docs/sandbox.md`.

use std::io::Write;
use wpcrm_sandbox::{Sandbox, SandboxOptions};

const USAGE: &str = "usage: wpcrm-sandbox --listen 127.0.0.1:PORT --ca-out FILE [--data seed.json] [--latency-ms N] [--auto-approve] [--replication-delay-ms N] [--state-dir DIR]";

fn parse_args() -> Result<SandboxOptions, String> {
    let mut o = SandboxOptions::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--listen" => o.listen = value("--listen")?.parse().map_err(|e| format!("--listen: {e}"))?,
            "--ca-out" => o.ca_out = Some(value("--ca-out")?.into()),
            "--data" => {
                let path = value("--data")?;
                o.seed_json = Some(std::fs::read_to_string(&path).map_err(|e| format!("--data {path}: {e}"))?);
            }
            "--latency-ms" => {
                o.latency_ms = value("--latency-ms")?
                    .parse()
                    .map_err(|e| format!("--latency-ms: {e}"))?
            }
            "--replication-delay-ms" => {
                o.replication_delay_ms = value("--replication-delay-ms")?
                    .parse()
                    .map_err(|e| format!("--replication-delay-ms: {e}"))?
            }
            "--auto-approve" => o.auto_approve = true,
            "--state-dir" => o.state_dir = Some(value("--state-dir")?.into()),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument '{other}'\n{USAGE}")),
        }
    }
    Ok(o)
}

fn main() {
    let options = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("wpcrm-sandbox: {e}");
            std::process::exit(2);
        }
    };
    let sandbox = match Sandbox::start_blocking(options) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("wpcrm-sandbox: {e}");
            std::process::exit(1);
        }
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "wpcrm-sandbox listening on {}", sandbox.url());
    let _ = out.flush();
    drop(out);
    sandbox.wait();
}
