//! Requests to the outside — public-opinion feeds fetched, messages delivered to group robots
//! and an SMS gateway, anchors posted — reach public addresses only, so that an address
//! configured or fetched cannot turn the server against itself or its network: loopback (unless
//! a setting allows it, as tests do), private, link-local and metadata addresses are refused
//! when the address is configured and at every connection — the name resolved by a resolver
//! that gives only public addresses, a literal address and every redirect's checked before it
//! is followed, the address connected to checked again.

use jinguo_domain::opinion as rules;

/// A fetch refused because the address is not public.
#[derive(Debug)]
pub(crate) struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("address not public")
    }
}

impl std::error::Error for Refused {}

/// Resolves names to their public addresses only: none left, the fetch is refused.
struct PublicResolver {
    loopback: bool,
}

impl reqwest::dns::Resolve for PublicResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let loopback = self.loopback;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let all: Vec<std::net::SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<_> = all
                .into_iter()
                .filter(|a| rules::feed_address_allowed(a.ip(), loopback))
                .collect();
            if public.is_empty() {
                return Err(Box::new(Refused) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Whether a literal address in a URL is refused (a name is left to the resolver).
pub(crate) fn literal_refused(url: &reqwest::Url, loopback: bool) -> bool {
    if !matches!(url.scheme(), "http" | "https") {
        return true;
    }
    match literal(url) {
        Some(ip) => !rules::feed_address_allowed(ip, loopback),
        None => url.host_str().is_none_or(str::is_empty),
    }
}

/// The address a URL names literally (the URL parser has already read the forms `0x7f.1` and
/// `2130706433` as addresses).
fn literal(url: &reqwest::Url) -> Option<std::net::IpAddr> {
    let host = url.host_str()?;
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

/// Whether a feed's address is refused when the source is added: not a web address, a literal
/// address that is not public, or a name that resolves (within a few seconds) to any address
/// that is not public. A name that does not resolve now is accepted: every fetch checks again.
pub(crate) async fn refused(url: &str, loopback: bool) -> bool {
    let Ok(u) = reqwest::Url::parse(url) else {
        return true;
    };
    if literal_refused(&u, loopback) {
        return true;
    }
    if literal(&u).is_some() {
        return false;
    }
    let Some(host) = u.host_str() else {
        return true;
    };
    let port = u.port_or_known_default().unwrap_or(80);
    match tokio::time::timeout(
        std::time::Duration::from_secs(3),
        tokio::net::lookup_host((host, port)),
    )
    .await
    {
        Ok(Ok(mut addrs)) => addrs.any(|a| !rules::feed_address_allowed(a.ip(), loopback)),
        _ => false,
    }
}

/// A client that reaches public addresses only: the name resolved by [`PublicResolver`], a
/// literal address and every redirect's checked before it is followed (at most `redirects`;
/// none: not followed), no proxy from the environment. The address connected to is for the
/// caller to check again ([`connected_refused`]).
pub(crate) fn client(loopback: bool, redirects: usize) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let policy = if redirects == 0 {
        reqwest::redirect::Policy::none()
    } else {
        reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= redirects {
                attempt.error("too many redirects")
            } else if literal_refused(attempt.url(), loopback) {
                attempt.error(Refused)
            } else {
                attempt.follow()
            }
        })
    };
    reqwest::Client::builder()
        .redirect(policy)
        .no_proxy()
        .dns_resolver(std::sync::Arc::new(PublicResolver { loopback }))
        .build()
        .unwrap_or_default()
}

/// Whether the address an answer came from is not public (whatever led there).
pub(crate) fn connected_refused(r: &reqwest::Response, loopback: bool) -> bool {
    r.remote_addr()
        .is_some_and(|a| !rules::feed_address_allowed(a.ip(), loopback))
}

/// Posts `body` as JSON to `url` through a [`client`], refusing before anything is sent a URL
/// that is not a web address or names an address that is not public; `Err` says why (never
/// the URL, which may carry a robot's secret).
pub(crate) async fn post_json(
    client: &reqwest::Client,
    url: &str,
    body: String,
    timeout: std::time::Duration,
    loopback: bool,
) -> Result<reqwest::Response, String> {
    let u = reqwest::Url::parse(url).map_err(|_| "not a web address".to_string())?;
    if literal_refused(&u, loopback) {
        return Err(REFUSED.into());
    }
    let r = client
        .post(u)
        .timeout(timeout)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| {
            if is_refused(&e) {
                REFUSED.to_string()
            } else {
                e.without_url().to_string()
            }
        })?;
    if connected_refused(&r, loopback) {
        return Err(REFUSED.into());
    }
    Ok(r)
}

/// Whether a configured address is refused before any name is resolved: not a web address, or
/// a literal address that is not public. A name is checked at every connection.
pub fn address_refused(url: &str, loopback: bool) -> bool {
    reqwest::Url::parse(url).map_or(true, |u| literal_refused(&u, loopback))
}

/// What a refused delivery records.
pub(crate) const REFUSED: &str =
    "refused: the address leads to this machine or an internal network";

/// Whether an error came from a refusal (the resolver's or a redirect's).
pub(crate) fn is_refused(e: &reqwest::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.is::<Refused>() {
            return true;
        }
        cause = c.source();
    }
    false
}
