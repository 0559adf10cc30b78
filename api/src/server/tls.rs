//! TLS in the server itself (optional: `PRICELINE_TLS_CERT` and `PRICELINE_TLS_KEY`), for sites
//! without a proxy that terminates it. rustls with the ring provider (no OpenSSL, no cmake), TLS 1.2
//! and 1.3 only, HTTP/1.1 offered by ALPN (the server speaks nothing else).
//!
//! The certificate is read again on SIGHUP ([`Certificates::reload`], called by
//! [`crate::lifecycle`]): connections made after it get the new one, connections already open keep
//! theirs, and the listener is never closed. A new pair that cannot be read, does not parse or does
//! not match is logged and the old one stays in use, so a botched renewal does not take the API down.

use std::path::Path;
use std::sync::{Arc, RwLock};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio_rustls::TlsAcceptor;

use crate::config::{TLS_CERT, TLS_KEY, TlsFiles};

/// Why a certificate pair cannot be used: the setting at fault and the reason (never key material).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsError {
    pub variable: &'static str,
    pub reason: String,
}

impl std::fmt::Display for TlsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.variable, self.reason)
    }
}

impl std::error::Error for TlsError {}

/// ring's provider: aws-lc-rs (rustls' default, with post-quantum key exchange, hence ring's
/// provider being marked deprecated in rustls 0.23.48) needs cmake to build; ring only a C compiler,
/// and it is already built for ureq. X25519 and the NIST curves remain.
#[allow(deprecated)]
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The certificate pair in use, replaced whole on reload.
#[derive(Debug)]
pub struct Certificates {
    files: TlsFiles,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
}

impl Certificates {
    /// Reads and checks the pair: both files readable, a chain and a private key in them, the key
    /// the one the first certificate names.
    pub fn load(files: &TlsFiles) -> Result<Self, TlsError> {
        let provider = provider();
        let current = read_pair(files, &provider)?;
        Ok(Self {
            files: files.clone(),
            provider,
            current: RwLock::new(Arc::new(current)),
        })
    }

    /// Reads the files again; on success, new handshakes use the new pair. On failure the old pair
    /// stays and the reason is returned.
    pub fn reload(&self) -> Result<(), TlsError> {
        let pair = read_pair(&self.files, &self.provider)?;
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(pair);
        Ok(())
    }

    pub fn files(&self) -> &TlsFiles {
        &self.files
    }

    /// The acceptor the server's connections go through.
    pub fn acceptor(self: &Arc<Self>) -> Result<TlsAcceptor, TlsError> {
        let mut config = rustls::ServerConfig::builder_with_provider(self.provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|error| TlsError {
                variable: TLS_CERT,
                reason: error.to_string(),
            })?
            .with_no_client_auth()
            .with_cert_resolver(self.clone());
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(TlsAcceptor::from(Arc::new(config)))
    }
}

impl ResolvesServerCert for Certificates {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.current
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone(),
        )
    }
}

fn read(variable: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|error| TlsError {
        variable,
        reason: format!("cannot read {}: {error}", path.display()),
    })
}

fn read_pair(files: &TlsFiles, provider: &CryptoProvider) -> Result<CertifiedKey, TlsError> {
    let cert_pem = read(TLS_CERT, &files.cert)?;
    let key_pem = read(TLS_KEY, &files.key)?;
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| TlsError {
            variable: TLS_CERT,
            reason: format!(
                "{} is not a PEM certificate chain: {error}",
                files.cert.display()
            ),
        })?;
    if chain.is_empty() {
        return Err(TlsError {
            variable: TLS_CERT,
            reason: format!("{} holds no PEM certificate", files.cert.display()),
        });
    }
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|error| TlsError {
        variable: TLS_KEY,
        reason: format!(
            "{} holds no PEM private key (PKCS#8, PKCS#1 or SEC1): {error}",
            files.key.display()
        ),
    })?;
    CertifiedKey::from_der(chain, key, provider).map_err(|error| TlsError {
        variable: TLS_KEY,
        reason: format!(
            "{} is not the private key of the certificate in {}: {error}",
            files.key.display(),
            files.cert.display()
        ),
    })
}
