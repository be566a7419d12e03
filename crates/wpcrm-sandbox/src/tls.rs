//! TLS: the sandbox's own CA (generated, or loaded from `--state-dir`) and a server certificate for
//! 127.0.0.1, ::1 and localhost signed by it. Clients trust the CA PEM; nothing disables verification.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::path::Path;
use std::sync::Arc;

pub struct Tls {
    pub ca_pem: String,
    pub server_config: Arc<rustls::ServerConfig>,
}

fn ca_params() -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).expect("params");
    p.distinguished_name.push(DnType::CommonName, "wpcrm-sandbox local CA");
    p.distinguished_name.push(DnType::OrganizationName, "wpcrm sandbox");
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    p.not_before = rcgen::date_time_ymd(2024, 1, 1);
    p.not_after = rcgen::date_time_ymd(2040, 1, 1);
    p
}

pub fn setup(state_dir: Option<&Path>) -> Result<Tls, String> {
    let err = |e: rcgen::Error| format!("TLS setup: {e}");
    // The CA: loaded from the state dir when present, so a restarted sandbox keeps the same trust root.
    let (ca_key, ca_pem) = match state_dir {
        Some(dir) if dir.join("ca.key").exists() && dir.join("ca.pem").exists() => {
            let key_pem = std::fs::read_to_string(dir.join("ca.key")).map_err(|e| e.to_string())?;
            let pem = std::fs::read_to_string(dir.join("ca.pem")).map_err(|e| e.to_string())?;
            (KeyPair::from_pem(&key_pem).map_err(err)?, pem)
        }
        _ => {
            let key = KeyPair::generate().map_err(err)?;
            let cert = ca_params().self_signed(&key).map_err(err)?;
            let pem = cert.pem();
            if let Some(dir) = state_dir {
                std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
                write_private(&dir.join("ca.key"), &key.serialize_pem())?;
                std::fs::write(dir.join("ca.pem"), &pem).map_err(|e| e.to_string())?;
            }
            (key, pem)
        }
    };
    // The issuer is rebuilt from the same deterministic parameters (subject DN) and the CA key, which
    // is all a signature needs; this avoids parsing the stored certificate.
    let issuer = Issuer::new(ca_params(), ca_key);
    let mut sp = CertificateParams::new(vec![
        "127.0.0.1".to_string(),
        "::1".to_string(),
        "localhost".to_string(),
    ])
    .map_err(err)?;
    sp.distinguished_name.push(DnType::CommonName, "wpcrm-sandbox");
    sp.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    sp.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
    let now = time::OffsetDateTime::now_utc();
    sp.not_before = now - time::Duration::days(1);
    sp.not_after = now + time::Duration::days(365);
    let server_key = KeyPair::generate().map_err(err)?;
    let server_cert = sp.signed_by(&server_key, &issuer).map_err(err)?;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(server_cert.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
        )
        .map_err(|e| e.to_string())?;
    let mut config = config;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Tls {
        ca_pem,
        server_config: Arc::new(config),
    })
}

fn write_private(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| e.to_string())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    Ok(())
}
