//! The accept loop. `axum::serve` keeps every connection as long as the peer wishes: a client
//! that opens a socket and sends nothing, or sends a header a byte at a time, holds a task and
//! a file descriptor forever, and about a thousand of them stopped all service. Here each
//! connection has a deadline for its request headers (which also bounds a keep-alive
//! connection's idle wait), for its body and for writing its answer, and the number of open
//! connections is capped below the file limit.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::AsyncWriteExt as _;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

/// Descriptors kept back from the connection cap for the database pool, SQLite's files and
/// the log.
const RESERVED_DESCRIPTORS: u64 = 128;

/// How the accept loop treats connections (from `serve`'s flags).
#[derive(Clone)]
pub struct ConnectionLimits {
    /// From the connection's start, or the end of the previous answer, until the request's
    /// headers are complete.
    pub header_read_timeout: Duration,
    /// How long writing an answer may stall before the connection is dropped.
    pub write_timeout: Duration,
    /// Connections open at once; more are answered 503 and closed.
    pub max_connections: usize,
    /// Connections one address may hold at once (0: no limit), so that one client cannot take
    /// every place; trusted proxies speak for many clients and are exempt.
    pub max_connections_per_client: usize,
    /// Peers exempt from the per-client limit (`--trusted-proxies`).
    pub exempt: Arc<dyn Fn(IpAddr) -> bool + Send + Sync>,
}

impl std::fmt::Debug for ConnectionLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionLimits")
            .field("header_read_timeout", &self.header_read_timeout)
            .field("write_timeout", &self.write_timeout)
            .field("max_connections", &self.max_connections)
            .field(
                "max_connections_per_client",
                &self.max_connections_per_client,
            )
            .finish_non_exhaustive()
    }
}

impl ConnectionLimits {
    /// The limits `serve`'s flags ask for; the cap still has to fit the file limit
    /// ([`fit_connection_cap`]).
    pub fn of(limits: &crate::config::ServeConfig) -> ConnectionLimits {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(limits.http.header_read_timeout_secs),
            write_timeout: Duration::from_secs(limits.http.write_timeout_secs),
            max_connections: limits.http.max_connections,
            max_connections_per_client: limits.http.max_connections_per_client,
            exempt: {
                let proxies = limits.http.trusted_proxies.clone();
                Arc::new(move |ip| proxies.iter().any(|p| p.contains(&ip)))
            },
        }
    }
}

/// Raises the soft limit of open files to the hard limit, so the connection cap rather than
/// the operating system decides when to refuse, and returns the cap that fits under it.
pub fn fit_connection_cap(configured: usize) -> usize {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(files) => {
            let room = files.saturating_sub(RESERVED_DESCRIPTORS).max(1);
            let cap = usize::try_from(room).unwrap_or(usize::MAX).min(configured);
            if cap < configured {
                tracing::warn!(
                    files,
                    configured,
                    cap,
                    "the open-file limit is lower than --max-connections; capping connections below it"
                );
            }
            cap
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot read or raise the open-file limit");
            configured
        }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then finishes the requests in flight.
pub async fn serve(
    listener: TcpListener,
    app: axum::Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let http = Arc::new(http);
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let per_client = PerClient::default();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors or a connection reset before it was accepted: the
                    // listener is fine, so wait a moment instead of spinning or stopping.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tracing::warn!(%peer, "connection cap reached; refusing a connection");
            tokio::spawn(refuse(stream));
            continue;
        };
        let Some(place) = per_client.enter(peer.ip(), &limits) else {
            tracing::warn!(%peer, "this client holds its share of connections; refusing another");
            tokio::spawn(refuse(stream));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let mut io = tokio_io_timeout::TimeoutStream::new(stream);
        io.set_write_timeout(Some(limits.write_timeout));
        let service = hyper_util::service::TowerToHyperService::new(tower::util::MapRequest::new(
            app.clone(),
            move |mut request: axum::extract::Request<hyper::body::Incoming>| {
                request
                    .extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                request
            },
        ));
        let connection = http.serve_connection(TokioIo::new(Box::pin(io)), service);
        let watched = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = watched.await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
            drop(place);
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Connections open per peer address.
#[derive(Clone, Default)]
struct PerClient(Arc<Mutex<HashMap<IpAddr, usize>>>);

/// One connection's place in its peer's count, given back when the connection ends.
struct Place {
    counts: PerClient,
    ip: IpAddr,
}

impl PerClient {
    fn enter(&self, ip: IpAddr, limits: &ConnectionLimits) -> Option<Place> {
        if limits.max_connections_per_client == 0 || (limits.exempt)(ip) {
            return Some(Place {
                counts: PerClient::default(),
                ip,
            });
        }
        let mut counts = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let open = counts.entry(ip).or_insert(0);
        if *open >= limits.max_connections_per_client {
            return None;
        }
        *open += 1;
        Some(Place {
            counts: self.clone(),
            ip,
        })
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut counts = self.counts.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(open) = counts.get_mut(&self.ip) {
            *open -= 1;
            if *open == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

/// Answers a connection over the cap without reading it, so the client learns to come back
/// rather than waiting on a socket that is never served.
async fn refuse(mut stream: TcpStream) {
    let answer = b"HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\ncontent-type: text/plain\r\ncontent-length: 33\r\nconnection: close\r\n\r\ntoo many connections; retry soon\n";
    let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(answer)).await;
    let _ = stream.shutdown().await;
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_cap_never_exceeds_what_was_configured() {
        assert!(super::fit_connection_cap(10) <= 10);
        assert!(super::fit_connection_cap(1) >= 1);
    }
}
