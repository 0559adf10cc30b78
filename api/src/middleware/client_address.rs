//! Which client sent a request, when no credential says: its address. Shared by the rate limiter
//! (anonymous budgets) and the failed-authentication throttle (which never keys by the credential
//! claimed, so a stranger's failures cannot lock a key's owner out).

use std::net::IpAddr;

use actix_web::dev::ServiceRequest;

/// The client's address: the first `X-Forwarded-For` hop when `trust_forwarded` (only behind a proxy
/// that sets it, since clients can send anything), else the peer's. IPv6 addresses are cut to their
/// /56 prefix, as one customer's prefix is one client (an end site gets a /56 or a /48, and can
/// pick any address in it). `None` when the request did not come over TCP.
pub fn of(request: &ServiceRequest, trust_forwarded: bool) -> Option<IpAddr> {
    let forwarded = trust_forwarded
        .then(|| request.headers().get("x-forwarded-for"))
        .flatten()
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(',').next())
        .and_then(|first| first.trim().parse::<IpAddr>().ok());
    let address = forwarded.or_else(|| request.peer_addr().map(|peer| peer.ip()))?;
    Some(match address {
        IpAddr::V6(ip) => {
            let mut octets = ip.octets();
            octets[7..].fill(0);
            IpAddr::from(octets)
        }
        ip => ip,
    })
}
