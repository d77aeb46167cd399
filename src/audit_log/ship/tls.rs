//! TLS to a collector (`https://` OTLP, `tls://` syslog, RFC 5425): rustls with the
//! `ring` provider, trusting the system's root certificates (read where OpenSSL
//! would: `rustls-native-certs`) and the CA file of `[settings.ship] ca_file`, for a
//! private collector.
//!
//! Nothing here runs unless a record is shipped to a TLS collector: the roots are
//! read, the configuration built and the handshake made on the sending thread, within
//! the same bound as a plain connection (the deciding thread stops waiting at it, and
//! every read and write of the handshake is limited to what is left of it).

use super::{connect, left};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// How to reach one TLS collector.
#[derive(Debug, Clone, PartialEq)]
pub struct Tls {
    /// The name its certificate must carry (a DNS name or an IP address).
    pub server_name: String,
    /// A CA file (PEM) trusted besides the system's roots.
    pub ca_file: Option<PathBuf>,
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
        })
    }
}

/// A connection to a collector, plain or TLS.
pub enum Conn {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl Conn {
    /// Connect (and, for TLS, finish the handshake) before the deadline.
    pub fn open(addr: &str, tls: Option<&Tls>, deadline: Instant) -> Result<Conn, String> {
        let Some(tls) = tls else {
            return connect(addr, deadline).map(Conn::Plain);
        };
        // The roots are read first; reading them counts against the bound too.
        let config = client_config(tls.ca_file.as_deref())?;
        let name = ServerName::try_from(tls.server_name.clone())
            .map_err(|_| format!("`{}` is not a host name TLS can check", tls.server_name))?;
        let mut sock = connect(addr, deadline)?;
        let mut conn = ClientConnection::new(config, name)
            .map_err(|e| format!("cannot start TLS with {addr}: {e}"))?;
        while conn.is_handshaking() {
            let t = left(deadline)?;
            sock.set_read_timeout(Some(t)).map_err(|e| e.to_string())?;
            sock.set_write_timeout(Some(t)).map_err(|e| e.to_string())?;
            conn.complete_io(&mut sock)
                .map_err(|e| format!("TLS handshake with {addr} failed: {e}"))?;
        }
        Ok(Conn::Tls(Box::new(StreamOwned::new(conn, sock))))
    }

    fn tcp(&self) -> &TcpStream {
        match self {
            Conn::Plain(s) => s,
            Conn::Tls(s) => &s.sock,
        }
    }

    /// Limit the next reads and writes to what is left before the deadline.
    pub fn bound(&self, deadline: Instant) -> Result<(), String> {
        let t = left(deadline)?;
        let s = self.tcp();
        s.set_read_timeout(Some(t)).map_err(|e| e.to_string())?;
        s.set_write_timeout(Some(t)).map_err(|e| e.to_string())
    }

    /// Say the stream is done (TLS: close_notify), so the collector reads to its end
    /// without an error.
    pub fn finish(&mut self) -> io::Result<()> {
        match self {
            Conn::Plain(s) => s.flush(),
            Conn::Tls(s) => {
                s.conn.send_close_notify();
                s.flush()
            }
        }
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf),
            Conn::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.write(buf),
            Conn::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Conn::Plain(s) => s.flush(),
            Conn::Tls(s) => s.flush(),
        }
    }
}

/// The system's roots and the CA file, trusted for this send.
fn client_config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>, String> {
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
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
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
