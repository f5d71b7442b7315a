//! The lifecycle of the two listeners: serve until the sandbox stops; go offline (the socket is
//! closed, so clients get "connection refused", as when Zoho is unreachable) and back online on the
//! same address with the same state, so a client's tokens still work afterwards.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;

/// Attempts to bind the old address again when going back online (a socket of the previous
/// listener may linger for a moment).
const REBIND_ATTEMPTS: u32 = 20;
const REBIND_PAUSE: Duration = Duration::from_millis(50);

/// The switches both servers follow: `stop` (for good) and `online`.
#[derive(Clone)]
pub(crate) struct Switches {
    pub stop: watch::Receiver<bool>,
    pub online: watch::Receiver<bool>,
}

impl Switches {
    /// Waits until `done(stopped, online)` holds; a dropped sender counts as stopped.
    async fn wait_until(&mut self, done: impl Fn(bool, bool) -> bool) -> (bool, bool) {
        loop {
            let now = (*self.stop.borrow_and_update(), *self.online.borrow_and_update());
            if done(now.0, now.1) {
                return now;
            }
            let changed = tokio::select! {
                r = self.stop.changed() => r,
                r = self.online.changed() => r,
            };
            if changed.is_err() {
                return (true, false);
            }
        }
    }
}

/// Serves `router` on `listener` until stopped, closing and reopening the socket as `online`
/// says. Returns a receiver telling whether the socket is open and served.
pub(crate) fn spawn(listener: TcpListener, addr: SocketAddr, router: axum::Router, switches: Switches) -> watch::Receiver<bool> {
    let (status, status_rx) = watch::channel(true);
    tokio::spawn(async move {
        let mut listener = Some(listener);
        loop {
            if let Some(open) = listener.take() {
                status.send_replace(true);
                let mut until = switches.clone();
                let signal = async move {
                    until.wait_until(|stopped, online| stopped || !online).await;
                };
                // Graceful: the socket closes at once, open connections finish their request.
                if let Err(error) = axum::serve(open, router.clone()).with_graceful_shutdown(signal).await {
                    tracing::error!(%error, "Zoho sandbox listener failed");
                }
                status.send_replace(false);
            }
            let (stopped, _) = switches.clone().wait_until(|stopped, online| stopped || online).await;
            if stopped {
                return;
            }
            listener = rebind(addr).await;
            if listener.is_none() {
                // Stay offline until the next offline/online round.
                let (stopped, _) = switches.clone().wait_until(|stopped, online| stopped || !online).await;
                if stopped {
                    return;
                }
            }
        }
    });
    status_rx
}

async fn rebind(addr: SocketAddr) -> Option<TcpListener> {
    for _ in 0..REBIND_ATTEMPTS {
        match TcpListener::bind(addr).await {
            Ok(listener) => return Some(listener),
            Err(_) => tokio::time::sleep(REBIND_PAUSE).await,
        }
    }
    tracing::error!(%addr, "Zoho sandbox could not listen again on its address");
    None
}
