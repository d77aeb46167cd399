//! TLS to a collector (`https://` OTLP, `tls://` syslog, RFC 5425): rustls with the
//! `ring` provider, trusting the system's root certificates (read where OpenSSL
//! would: `rustls-native-certs`) and the CA file of `[settings.ship] ca_file`, for a
//! private collector; showing the client certificate of `client_cert`/`client_key`
//! to a collector that asks for one (mutual TLS).
//!
//! Nothing here runs unless a record is shipped to a TLS collector: the roots are
//! read, the configuration built and the handshake made on the sending thread, within
//! the same bound as a plain connection (the deciding thread stops waiting at it, and
//! every read and write of the handshake is limited to what is left of it).

use super::{connect, left};
use crate::sock::NoSigPipe;
use rustls::client::ResolvesClientCert;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, ClientConnection, RootCertStore, SignatureScheme, StreamOwned};
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// How to reach one TLS collector.
#[derive(Debug, Clone, PartialEq)]
pub struct Tls {
    /// The name its certificate must carry (a DNS name or an IP address).
    pub server_name: String,
    /// A CA file (PEM) trusted besides the system's roots.
    pub ca_file: Option<PathBuf>,
    /// The client certificate shown when the collector asks for one.
    pub client: Option<ClientAuth>,
}

/// A client certificate chain and its private key, both PEM files.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientAuth {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Tls {
    /// The server name of `host:port` (`[v6]:port`).
    pub fn for_addr(addr: &str, ca_file: Option<&Path>) -> Result<Tls, String> {
        let host = match addr.strip_prefix('[') {
            Some(rest) => rest.split(']').next().unwrap_or(""),
            None => addr.rsplit_once(':').map_or(addr, |(h, _)| h),
        };
        ServerName::try_from(host.to_string())
            .map_err(|_| format!("`{host}` is not a host name TLS can check"))?;
        Ok(Tls {
            server_name: host.to_string(),
            ca_file: ca_file.map(Path::to_path_buf),
            client: None,
        })
    }
}

/// A connection to a collector, plain or TLS (`asked`: the collector asked for a
/// client certificate).
pub enum Conn {
    Plain(NoSigPipe<TcpStream>),
    Tls {
        stream: Box<StreamOwned<ClientConnection, NoSigPipe<TcpStream>>>,
        asked: bool,
    },
}

impl Conn {
    /// Connect (and, for TLS, finish the handshake) before the deadline.
    pub fn open(addr: &str, tls: Option<&Tls>, deadline: Instant) -> Result<Conn, String> {
        let Some(tls) = tls else {
            return connect(addr, deadline).map(Conn::Plain);
        };
        // The roots are read first; reading them counts against the bound too.
        let (config, client) = client_config(tls.ca_file.as_deref(), tls.client.as_ref())?;
        let name = ServerName::try_from(tls.server_name.clone())
            .map_err(|_| format!("`{}` is not a host name TLS can check", tls.server_name))?;
        let mut sock = connect(addr, deadline)?;
        let mut conn = ClientConnection::new(config, name)
            .map_err(|e| format!("cannot start TLS with {addr}: {e}"))?;
        while conn.is_handshaking() {
            let t = left(deadline)?;
            sock.0
                .set_read_timeout(Some(t))
                .map_err(|e| e.to_string())?;
            sock.0
                .set_write_timeout(Some(t))
                .map_err(|e| e.to_string())?;
            conn.complete_io(&mut sock)
                .map_err(|e| format!("TLS handshake with {addr} failed: {e}"))?;
        }
        Ok(Conn::Tls {
            stream: Box::new(StreamOwned::new(conn, sock)),
            asked: client.asked.load(Ordering::Relaxed),
        })
    }

    /// Whether the collector asked for a client certificate: in TLS 1.3 it checks the
    /// one it got (or its absence) only after the client has started writing.
    pub fn asked_for_certificate(&self) -> bool {
        matches!(self, Conn::Tls { asked: true, .. })
    }

    fn tcp(&self) -> &TcpStream {
        match self {
            Conn::Plain(s) => s.get_ref(),
            Conn::Tls { stream, .. } => stream.sock.get_ref(),
        }
    }

    /// Limit the next reads and writes to what is left before the deadline.
    pub fn bound(&self, deadline: Instant) -> Result<(), String> {
        let t = left(deadline)?;
        let s = self.tcp();
        s.set_read_timeout(Some(t)).map_err(|e| e.to_string())?;
        s.set_write_timeout(Some(t)).map_err(|e| e.to_string())
    }

    /// After [`Conn::finish`]: read until the collector closes (or the bound passes),
    /// so that an alert it sends (a refused client certificate) is an error.
    pub fn until_closed(&mut self) -> io::Result<()> {
        let _ = self.tcp().shutdown(std::net::Shutdown::Write);
        let mut buf = [0u8; 512];
        loop {
            match self.read(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Ok(())
                }
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    }

    /// Say the stream is done (TLS: close_notify), so the collector reads to its end
    /// without an error.
    pub fn finish(&mut self) -> io::Result<()> {
        match self {
            Conn::Plain(s) => s.flush(),
            Conn::Tls { stream, .. } => {
                stream.conn.send_close_notify();
                stream.flush()
            }
        }
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf),
            Conn::Tls { stream, .. } => stream.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.write(buf),
            Conn::Tls { stream, .. } => stream.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Conn::Plain(s) => s.flush(),
            Conn::Tls { stream, .. } => stream.flush(),
        }
    }
}

/// Answers a collector's request for a client certificate (with the configured one, if
/// any) and remembers that it was asked.
#[derive(Debug)]
struct ClientCert {
    key: Option<Arc<CertifiedKey>>,
    asked: AtomicBool,
}

impl ResolvesClientCert for ClientCert {
    fn resolve(&self, _: &[&[u8]], _: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        self.asked.store(true, Ordering::Relaxed);
        self.key.clone()
    }

    fn has_certs(&self) -> bool {
        self.key.is_some()
    }
}

/// The system's roots and the CA file, trusted for this send; the client certificate,
/// shown if asked for.
fn client_config(
    ca_file: Option<&Path>,
    client: Option<&ClientAuth>,
) -> Result<(Arc<ClientConfig>, Arc<ClientCert>), String> {
    let mut roots = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    let (system, _) = roots.add_parsable_certificates(native.certs);
    if let Some(path) = ca_file {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .and_then(|it| it.collect::<Result<Vec<_>, _>>())
            .map_err(|e| format!("cannot read the CA file {}: {e}", path.display()))?;
        if certs.is_empty() {
            return Err(format!(
                "the CA file {} holds no certificate",
                path.display()
            ));
        }
        for c in certs {
            roots.add(c).map_err(|e| {
                format!(
                    "the CA file {} holds a bad certificate: {e}",
                    path.display()
                )
            })?;
        }
    }
    if roots.is_empty() {
        return Err(format!(
            "no trusted root certificates: none found on the system ({} read){}",
            system,
            if ca_file.is_none() {
                "; name a CA file with `ca_file`"
            } else {
                ""
            }
        ));
    }
    // ring, not aws-lc-rs (which needs cmake to build). rustls 0.23.48 deprecates
    // ring's provider for lacking post-quantum key exchange; X25519 and the NIST
    // curves remain.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key = match client {
        None => None,
        Some(c) => Some(Arc::new(certified_key(c, &provider)?)),
    };
    let resolver = Arc::new(ClientCert {
        key,
        asked: AtomicBool::new(false),
    });
    let config = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?
        .with_root_certificates(roots)
        .with_client_cert_resolver(resolver.clone());
    Ok((Arc::new(config), resolver))
}

/// The client certificate chain and its key, checked to belong together.
fn certified_key(
    c: &ClientAuth,
    provider: &rustls::crypto::CryptoProvider,
) -> Result<CertifiedKey, String> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&c.cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| {
            format!(
                "cannot read the client certificate {}: {e}",
                c.cert.display()
            )
        })?;
    if chain.is_empty() {
        return Err(format!(
            "the client certificate file {} holds no certificate",
            c.cert.display()
        ));
    }
    let key = PrivateKeyDer::from_pem_file(&c.key)
        .map_err(|e| format!("cannot read the client key {}: {e}", c.key.display()))?;
    CertifiedKey::from_der(chain, key, provider).map_err(|e| {
        format!(
            "the client certificate {} and key {} do not go together: {e}",
            c.cert.display(),
            c.key.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_names_come_from_the_address() {
        let t = Tls::for_addr("logs.example.com:6514", None).expect("dns");
        assert_eq!(t.server_name, "logs.example.com");
        let t = Tls::for_addr("127.0.0.1:6514", Some(Path::new("/ca.pem"))).expect("ip");
        assert_eq!(t.server_name, "127.0.0.1");
        assert_eq!(t.ca_file.as_deref(), Some(Path::new("/ca.pem")));
        let t = Tls::for_addr("[::1]:443", None).expect("v6");
        assert_eq!(t.server_name, "::1");
        assert!(Tls::for_addr("bad_name!:443", None).is_err());
    }
}
