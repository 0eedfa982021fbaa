//! Rate limits of the pages and API anyone may ask without an account (the public figures): a
//! token bucket per client address, in memory. The client is the connection's address (an IPv6
//! client by its /64, which one subscriber usually holds whole); a request from a configured
//! trusted proxy is the client its `X-Forwarded-For` names last. The table of buckets holds at
//! most [`MAX_CLIENTS`]: when it is full, buckets filled up again are dropped, and while it stays
//! full new clients share one bucket, so that many addresses cost no more memory and get no more
//! requests than one.

use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use jinguo_services::ServiceError;
use jinguo_services::public_figures::PublicRate;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most clients the table of buckets holds.
pub const MAX_CLIENTS: usize = 50_000;

/// What a bucket is kept under: an address, or every new client while the table is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Client(IpAddr),
    Overflow,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

struct Table {
    buckets: HashMap<Key, Bucket>,
    swept: Option<Instant>,
}

/// Token buckets by client.
pub struct Throttle {
    /// Tokens a second.
    rate: f64,
    burst: f64,
    max: usize,
    table: Mutex<Table>,
}

impl Throttle {
    /// The public figures' limiter, as configured.
    pub fn public(rate: &PublicRate) -> Self {
        Self::new(rate.per_minute, rate.burst)
    }

    pub fn new(per_minute: u32, burst: u32) -> Self {
        Self::with_capacity(per_minute, burst, MAX_CLIENTS)
    }

    pub fn with_capacity(per_minute: u32, burst: u32, max: usize) -> Self {
        Self {
            rate: f64::from(per_minute.max(1)) / 60.0,
            burst: f64::from(burst.max(1)),
            max: max.max(1),
            table: Mutex::new(Table {
                buckets: HashMap::new(),
                swept: None,
            }),
        }
    }

    /// Takes a token for `client` at `now`: `Err` with the time until the next one when there
    /// is none.
    pub fn take(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut t = self.table.lock().unwrap_or_else(|e| e.into_inner());
        let mut key = Key::Client(client_key(client));
        if !t.buckets.contains_key(&key) && t.buckets.len() >= self.max {
            // Sweep away the buckets full again (their clients have been quiet long enough),
            // at most once a second so that a flood of new addresses does not sweep each time.
            if t.swept
                .is_none_or(|s| now.duration_since(s) >= Duration::from_secs(1))
            {
                let (rate, burst) = (self.rate, self.burst);
                t.buckets.retain(|_, b| {
                    b.tokens + now.duration_since(b.at).as_secs_f64() * rate < burst
                });
                t.swept = Some(now);
            }
            if t.buckets.len() >= self.max {
                key = Key::Overflow;
            }
        }
        let (rate, burst) = (self.rate, self.burst);
        let b = t.buckets.entry(key).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * rate).min(burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - b.tokens) / rate))
        }
    }

    /// How many buckets are held.
    pub fn len(&self) -> usize {
        self.table
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .buckets
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An address as a client: IPv4 (or IPv4 mapped into IPv6) whole, IPv6 by its /64.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// The client a request comes from: the connection's address; from a trusted proxy, the last
/// address of its `X-Forwarded-For` (the one that proxy appended). No connection (a request
/// built in-process): the unspecified address.
pub fn client_of(parts: &Parts, trusted: &[IpAddr]) -> IpAddr {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .next_back();
    forwarded.unwrap_or(peer)
}

/// A request to a public page or API route within its client's rate (an extractor): past it,
/// 429 with `Retry-After` and the refusal in the caller's language (a problem document under
/// `/api/`, a page elsewhere).
pub struct PublicQuota;

impl FromRequestParts<AppState> for PublicQuota {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Self::Rejection> {
        let client = client_of(parts, &s.services.public_rate.trusted_proxies);
        let Err(wait) = s.public_throttle.take(client, Instant::now()) else {
            return Ok(PublicQuota);
        };
        let lang = crate::lang::from_parts(parts);
        let mut res = if parts.uri.path().starts_with("/api/") {
            crate::error::ApiError::new(ServiceError::RateLimited, lang).into_response()
        } else {
            crate::pages::error_response(&ServiceError::RateLimited, lang, &parts.uri)
        };
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
        Err(res)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_bucket_empties_and_fills_again() {
        let t = Throttle::new(60, 3);
        let now = Instant::now();
        for _ in 0..3 {
            assert!(t.take(ip("192.0.2.1"), now).is_ok());
        }
        let wait = t.take(ip("192.0.2.1"), now).unwrap_err();
        assert!(wait > Duration::from_millis(900) && wait <= Duration::from_secs(1));
        // Another client is not touched.
        assert!(t.take(ip("192.0.2.2"), now).is_ok());
        // One token a second comes back.
        assert!(
            t.take(ip("192.0.2.1"), now + Duration::from_secs(1))
                .is_ok()
        );
        assert!(
            t.take(ip("192.0.2.1"), now + Duration::from_secs(1))
                .is_err()
        );
    }

    #[test]
    fn an_ipv6_client_is_its_64() {
        let t = Throttle::new(60, 1);
        let now = Instant::now();
        assert!(t.take(ip("2001:db8:1:2::1"), now).is_ok());
        assert!(t.take(ip("2001:db8:1:2:ffff::9"), now).is_err());
        assert!(t.take(ip("2001:db8:1:3::1"), now).is_ok());
        assert!(t.take(ip("::ffff:192.0.2.7"), now).is_ok());
        assert!(t.take(ip("192.0.2.7"), now).is_err());
    }

    #[test]
    fn many_addresses_stay_bounded_and_share_a_bucket() {
        let t = Throttle::with_capacity(60, 2, 100);
        let now = Instant::now();
        for i in 0..100u32 {
            assert!(t.take(IpAddr::V4(i.into()), now).is_ok());
        }
        // The table is full of buckets still in use: the next new addresses share one.
        let mut refused = 0;
        for i in 100..10_000u32 {
            if t.take(IpAddr::V4(i.into()), now).is_err() {
                refused += 1;
            }
        }
        assert!(t.len() <= 101, "{} buckets", t.len());
        assert_eq!(refused, 9_900 - 2);
        // Once the old ones are full again they make room.
        let later = now + Duration::from_secs(5);
        assert!(t.take(ip("198.51.100.1"), later).is_ok());
        assert!(t.len() <= 101);
    }
}
