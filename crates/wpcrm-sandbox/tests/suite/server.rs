use crate::common::*;
use serde_json::json;
use std::io::BufRead;

#[tokio::test]
async fn global_latency_applies_concurrently() {
    let h = start_with(wpcrm_sandbox::SandboxOptions {
        latency_ms: 200,
        ..Default::default()
    })
    .await;
    let t = h.env_token(&WP_OK, "contoso").await;
    let who = format!("{}/WhoAmI", h.api("contoso"));
    let started = std::time::Instant::now();
    let futs = (0..8).map(|_| {
        let c = h.c.clone();
        let who = who.clone();
        let t = t.clone();
        async move { c.get(who).bearer_auth(t).send().await.unwrap().status().as_u16() }
    });
    let all = futures_join(futs).await;
    assert!(all.iter().all(|s| *s == 200));
    let ms = started.elapsed().as_millis();
    assert!(
        (200..1200).contains(&ms),
        "8 concurrent requests with 200 ms latency took {ms} ms"
    );
    // The control plane has no latency.
    let started = std::time::Instant::now();
    h.control("GET", "/health", serde_json::Value::Null).await;
    assert!(started.elapsed().as_millis() < 200);
    h.control("POST", "/config", json!({"latency_ms": 0})).await;
}

async fn futures_join<F: std::future::Future<Output = u16> + Send + 'static>(
    futs: impl Iterator<Item = F>,
) -> Vec<u16> {
    let handles: Vec<_> = futs.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn tls_is_verified_against_the_sandbox_ca_only() {
    let tenant = tenant();
    let h = start().await;
    // A client with an unrelated CA refuses the sandbox certificate.
    let other = wpcrm_sandbox::Sandbox::start(Default::default()).await.unwrap();
    let c = client_for(other.ca_pem());
    assert!(c.get(format!("{}/_sandbox/health", h.url)).send().await.is_err());
    // localhost and 127.0.0.1 are both in the certificate.
    let port = h.sb.port();
    assert_eq!(
        h.c.get(format!("https://localhost:{port}/_sandbox/health"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // Tokens from another sandbox instance are rejected.
    let foreign = {
        let oc = client_for(other.ca_pem());
        let r = oc
            .post(format!("{}/{tenant}/oauth2/v2.0/token", other.url()))
            .form(&[
                ("client_id", WP_OK.app_id),
                ("client_secret", WP_OK.secret),
                ("scope", &format!("{}/contoso/.default", h.url)),
                ("grant_type", "client_credentials"),
            ])
            .send()
            .await
            .unwrap();
        r.json::<serde_json::Value>().await.unwrap()
    };
    // The foreign sandbox does not know this origin's environments, so ask it for Graph instead.
    let _ = foreign;
    let other_graph = {
        let oc = client_for(other.ca_pem());
        oc.post(format!("{}/{tenant}/oauth2/v2.0/token", other.url()))
            .form(&[
                ("client_id", WP_OK.app_id),
                ("client_secret", WP_OK.secret),
                ("scope", GRAPH),
                ("grant_type", "client_credentials"),
            ])
            .send()
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let r = h.get(&format!("{}/v1.0/applications", h.url), Some(&other_graph)).await;
    assert_eq!(r.status, 401);
}

#[test]
fn start_blocking_from_a_plain_test_and_state_dir_keeps_the_ca() {
    let dir = std::env::temp_dir().join(format!("wpcrm-sandbox-test-{}", std::process::id()));
    let opts = wpcrm_sandbox::SandboxOptions {
        state_dir: Some(dir.clone()),
        ..Default::default()
    };
    let a = wpcrm_sandbox::Sandbox::start_blocking(opts.clone()).unwrap();
    let ca = a.ca_pem().to_string();
    assert!(a.url().starts_with("https://127.0.0.1:"));
    drop(a);
    let b = wpcrm_sandbox::Sandbox::start_blocking(opts).unwrap();
    assert_eq!(b.ca_pem(), ca);
    // The new server certificate chains to the kept CA.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = rt.block_on(async {
        client_for(&ca)
            .get(format!("{}/_sandbox/health", b.url()))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(status, 200);
    drop(b);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn binary_prints_the_listening_line_and_writes_the_ca() {
    let dir = std::env::temp_dir().join(format!("wpcrm-sandbox-bin-{}", std::process::id()));
    let ca = dir.join("ca.pem");
    let started = std::time::Instant::now();
    let (mut child, line) = spawn_binary(
        &ca,
        &["--latency-ms", "0", "--auto-approve"],
        std::process::Stdio::null(),
    );
    let elapsed = started.elapsed();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        line.starts_with("wpcrm-sandbox listening on https://127.0.0.1:"),
        "{line}"
    );
    assert!(line.trim_end().rsplit(':').next().unwrap().parse::<u16>().unwrap() > 0);
    assert!(std::fs::read_to_string(&ca)
        .unwrap()
        .starts_with("-----BEGIN CERTIFICATE-----"));
    assert!(elapsed.as_secs() < 5, "took {elapsed:?}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn custom_seed_is_loaded() {
    let mut seed: serde_json::Value = serde_json::from_str(wpcrm_sandbox::seed::DEFAULT_SEED).unwrap();
    seed["environments"][0]["friendly_name"] = json!("Fabrikam");
    let sb = wpcrm_sandbox::Sandbox::start_blocking(wpcrm_sandbox::SandboxOptions {
        seed_json: Some(seed.to_string()),
        ..Default::default()
    })
    .unwrap();
    let st = sb.control().state();
    assert!(st["environments"]["contoso"].is_object());
    assert!(wpcrm_sandbox::Sandbox::start_blocking(wpcrm_sandbox::SandboxOptions {
        seed_json: Some("{}".into()),
        ..Default::default()
    })
    .is_err());
    assert!(wpcrm_sandbox::Sandbox::start_blocking(wpcrm_sandbox::SandboxOptions {
        listen: "0.0.0.0:0".parse().unwrap(),
        ..Default::default()
    })
    .is_err());
}

#[tokio::test]
async fn serves_http2_and_http1() {
    let h = start().await;
    let url = format!("{}/_sandbox/health", h.url);
    let r = h.c.get(&url).send().await.unwrap();
    assert_eq!(r.version(), reqwest::Version::HTTP_2);
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pki_types::CertificateDer::pem_slice_iter(h.sb.ca_pem().as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let tls =
        rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    let h1 = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .http1_only()
        .build()
        .unwrap();
    let r = h1.get(&url).send().await.unwrap();
    assert_eq!(r.version(), reqwest::Version::HTTP_11);
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn an_unread_stderr_pipe_does_not_stall_the_server() {
    let dir = std::env::temp_dir().join(format!("wpcrm-sandbox-pipe-{}", std::process::id()));
    let ca = dir.join("ca.pem");
    // Its stderr is a pipe that is never read.
    let (mut child, line) = spawn_binary(&ca, &[], std::process::Stdio::piped());
    let url = line.trim().rsplit(' ').next().unwrap().to_string();
    let c = client_for(&std::fs::read_to_string(&ca).unwrap());
    // Each request logs a line of ~2 KiB: 300 of them overflow a 64 KiB pipe many times over.
    let long = "x".repeat(2000);
    for i in 0..300 {
        let r = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            c.get(format!("{url}/_sandbox/health?{long}{i}")).send(),
        )
        .await;
        assert!(matches!(r, Ok(Ok(_))), "request {i} stalled");
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(dir);
}

/// Starts the `wpcrm-sandbox` binary on a free port, writing its CA to `ca`, with `extra` arguments
/// and `stderr`; returns it and the first line it prints (where it listens).
fn spawn_binary(ca: &std::path::Path, extra: &[&str], stderr: std::process::Stdio) -> (std::process::Child, String) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_wpcrm-sandbox"))
        .args(["--listen", "127.0.0.1:0", "--ca-out"])
        .arg(ca)
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (child, line)
}
