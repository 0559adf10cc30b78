//! The base URL a client sees the API at, which differs from the server's own when a proxy or an API
//! gateway publishes it under another host or a path prefix (`https://gw.example.com/priceline`).
//! The spec's `servers` and every `page.next` link are written against it.
//!
//! Each part comes from the first of:
//! - the proxy's `X-Forwarded-Host` (with `X-Forwarded-Proto`, else `http`) and `X-Forwarded-Prefix`,
//!   read only when `PRICELINE_TRUST_FORWARDED=true` (a client can send any header) and only when
//!   well-formed: a value that is not a plain host or path is ignored, so nothing a client sends can
//!   turn a link into one to another site (`//evil.example`) or out of the prefix (`/..`);
//! - `PRICELINE_PUBLIC_URL` (scheme, host and path);
//! - nothing: links are paths from the root and `servers` is the relative `/`.

use actix_web::HttpRequest;
use actix_web::web;

pub const PREFIX_HEADER: &str = "x-forwarded-prefix";
pub const PROTO_HEADER: &str = "x-forwarded-proto";
pub const HOST_HEADER: &str = "x-forwarded-host";

/// Longest prefix or host accepted: real ones are short; a long one is only a bigger header.
const MAX_LENGTH: usize = 255;

/// `PRICELINE_PUBLIC_URL`: an absolute `http(s)` URL, split into its origin and path prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl {
    /// `scheme://host[:port]`, without a trailing slash.
    origin: String,
    /// `""` or `/a/b`: starts with a slash, does not end with one.
    prefix: String,
}

impl PublicUrl {
    /// Whether clients reach the API over https (the `Strict-Transport-Security` decision).
    pub fn is_https(&self) -> bool {
        self.origin.starts_with("https://")
    }

    /// The URL, or why it is not one the spec and links can be based on.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let expected = "an absolute http(s) URL such as https://api.example.com or \
                        https://gateway.example.com/priceline";
        let url = url::Url::parse(text)
            .map_err(|error| format!("{text:?} is not {expected}: {error}"))?;
        let refuse = |reason: &str| Err(format!("{text:?} is not {expected}: {reason}"));
        if !matches!(url.scheme(), "http" | "https") {
            return refuse("the scheme must be http or https");
        }
        if url.host_str().is_none_or(str::is_empty) {
            return refuse("it has no host");
        }
        if !url.username().is_empty() || url.password().is_some() {
            return refuse("it must not hold credentials");
        }
        if url.query().is_some() || url.fragment().is_some() {
            return refuse("it must not have a query or a fragment");
        }
        let Some(prefix) = prefix(url.path()) else {
            return refuse(
                "its path must be segments of letters, digits, `-`, `.`, `_` or `~`, without `.` or `..`",
            );
        };
        Ok(Self {
            origin: url.origin().ascii_serialization(),
            prefix,
        })
    }
}

/// How this server learns its external base URL: set once at start-up, read per request.
#[derive(Debug, Clone, Default)]
pub struct Forwarding {
    /// `PRICELINE_TRUST_FORWARDED`: the proxy in front sets (and overwrites) the `X-Forwarded-*`
    /// headers, so they can be believed.
    pub trust: bool,
    pub public_url: Option<PublicUrl>,
}

/// The external base URL of one request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExternalBase {
    /// `scheme://host[:port]` when known; links stay paths either way.
    pub origin: Option<String>,
    /// `""` or `/a/b`, to put before the server's own paths (`/v1/...`).
    pub prefix: String,
}

impl ExternalBase {
    /// The base as an OpenAPI server URL: absolute when the origin is known, else the prefix, else
    /// the relative `/`.
    pub fn server_url(&self) -> String {
        match (&self.origin, self.prefix.as_str()) {
            (Some(origin), prefix) => format!("{origin}{prefix}"),
            (None, "") => "/".to_owned(),
            (None, prefix) => prefix.to_owned(),
        }
    }
}

impl Forwarding {
    /// The base `request` was made against, as [`Forwarding`] allows learning it.
    pub fn external_base(&self, request: &HttpRequest) -> ExternalBase {
        if !self.trust && request.headers().contains_key(PREFIX_HEADER) {
            // The usual cause of a Swagger UI that calls the root behind a prefixing proxy.
            tracing::debug!(
                header = PREFIX_HEADER,
                "ignored: PRICELINE_TRUST_FORWARDED is off"
            );
        }
        let header = |name: &str| {
            self.trust
                .then(|| request.headers().get(name))
                .flatten()
                .and_then(|value| value.to_str().ok())
        };
        let forwarded_prefix = header(PREFIX_HEADER).and_then(|value| {
            let valid = prefix(value.trim());
            if valid.is_none() {
                tracing::debug!(
                    header = PREFIX_HEADER,
                    "ignored: not a path prefix such as /priceline"
                );
            }
            valid
        });
        let forwarded_origin = header(HOST_HEADER).and_then(|value| {
            let Some(host) = host(first(value)) else {
                tracing::debug!(header = HOST_HEADER, "ignored: not a host[:port]");
                return None;
            };
            let scheme = header(PROTO_HEADER)
                .map(first)
                .map(str::to_ascii_lowercase)
                .filter(|scheme| matches!(scheme.as_str(), "http" | "https"))
                .unwrap_or_else(|| "http".to_owned());
            Some(format!("{scheme}://{host}"))
        });
        let public = self.public_url.as_ref();
        ExternalBase {
            origin: forwarded_origin.or_else(|| public.map(|url| url.origin.clone())),
            prefix: forwarded_prefix
                .or_else(|| public.map(|url| url.prefix.clone()))
                .unwrap_or_default(),
        }
    }
}

/// The external base of `request` under the server's [`Forwarding`] (none registered: the
/// request's own, with paths from the root).
pub fn external_base(request: &HttpRequest) -> ExternalBase {
    request
        .app_data::<web::Data<Forwarding>>()
        .map(|forwarding| forwarding.external_base(request))
        .unwrap_or_default()
}

/// The first entry of a comma-separated list (the one the first proxy, nearest the client, wrote).
fn first(value: &str) -> &str {
    value.split(',').next().unwrap_or_default().trim()
}

/// `value` as a path prefix without its trailing slash (`/` alone is the empty prefix), or `None`
/// unless it is `/`-separated segments of unreserved characters: no scheme, no `//` (a link to
/// another host), no `.`/`..` segment, no percent sign (`%2e%2e` is `..` to a browser), no query.
fn prefix(value: &str) -> Option<String> {
    if !value.starts_with('/') || value.len() > MAX_LENGTH {
        return None;
    }
    let trimmed = value.trim_end_matches('/');
    if trimmed.is_empty() {
        // `/` or `//`: `//` alone would not be trimmed to a path we can use, but it is also the root.
        return (value == "/").then(String::new);
    }
    let segments_ok = trimmed[1..].split('/').all(|segment| {
        !segment.is_empty()
            && segment != "."
            && segment != ".."
            && segment
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || b"-._~".contains(&byte))
    });
    segments_ok.then(|| trimmed.to_owned())
}

/// `value` as `host[:port]` in lower case: a DNS name or IPv4 address, or an IPv6 address in
/// brackets, and a port from 1 to 65535; `None` for anything else (a path, credentials, spaces).
fn host(value: &str) -> Option<String> {
    if value.is_empty() || value.len() > MAX_LENGTH {
        return None;
    }
    let (name, port) = match value.strip_prefix('[') {
        Some(rest) => {
            let (address, after) = rest.split_once(']')?;
            address.parse::<std::net::Ipv6Addr>().ok()?;
            let port = match after {
                "" => None,
                _ => Some(after.strip_prefix(':')?),
            };
            (&value[..address.len() + 2], port)
        }
        None => match value.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (value, None),
        },
    };
    if let Some(port) = port {
        let number = port
            .bytes()
            .all(|byte| byte.is_ascii_digit())
            .then(|| port.parse::<u16>().ok())
            .flatten()?;
        if number == 0 {
            return None;
        }
    }
    if !name.starts_with('[') {
        let labels_ok = name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
        });
        if !labels_ok {
            return None;
        }
    }
    Some(value.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_plain_paths() {
        assert_eq!(prefix("/priceline").as_deref(), Some("/priceline"));
        assert_eq!(prefix("/api/v2/").as_deref(), Some("/api/v2"));
        assert_eq!(prefix("/").as_deref(), Some(""));
        for bad in [
            "",
            "priceline",
            "//evil.example",
            "https://evil.example/x",
            "/a/../b",
            "/..",
            "/a/./b",
            "/a//b",
            "/%2e%2e",
            "/a?b=c",
            "/a#b",
            "/a b",
            "/a\"><script>",
            "/a,/b",
            "/a\\b",
        ] {
            assert_eq!(prefix(bad), None, "{bad:?}");
        }
        assert_eq!(prefix(&format!("/{}", "a".repeat(300))), None);
    }

    #[test]
    fn hosts_are_names_or_addresses_with_an_optional_port() {
        assert_eq!(host("API.example.com").as_deref(), Some("api.example.com"));
        assert_eq!(
            host("gw.example.com:8443").as_deref(),
            Some("gw.example.com:8443")
        );
        assert_eq!(host("10.0.0.1:80").as_deref(), Some("10.0.0.1:80"));
        assert_eq!(host("[::1]:8080").as_deref(), Some("[::1]:8080"));
        assert_eq!(host("[2001:db8::1]").as_deref(), Some("[2001:db8::1]"));
        for bad in [
            "",
            "evil.example/path",
            "user@evil.example",
            "evil.example:0",
            "evil.example:99999",
            "evil.example:",
            "evil.example:80x",
            "a..b",
            "-a.example",
            "[::1",
            "[nothost]",
            "[::1]x",
            "exa mple.com",
            "example.com\"",
        ] {
            assert_eq!(host(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_public_url_is_an_origin_and_a_prefix() {
        let url = PublicUrl::parse("https://Gateway.example.com/priceline/").unwrap();
        assert_eq!(url.origin, "https://gateway.example.com");
        assert_eq!(url.prefix, "/priceline");
        let url = PublicUrl::parse("http://api.example.com:8080").unwrap();
        assert_eq!(url.origin, "http://api.example.com:8080");
        assert_eq!(url.prefix, "");
        for bad in [
            "api.example.com",
            "/priceline",
            "ftp://api.example.com",
            "https://user:pw@api.example.com",
            "https://api.example.com/?a=1",
            "https://api.example.com/#top",
            "https://",
        ] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_server_url_is_relative_without_an_origin() {
        let base = |origin: Option<&str>, prefix: &str| ExternalBase {
            origin: origin.map(str::to_owned),
            prefix: prefix.to_owned(),
        };
        assert_eq!(base(None, "").server_url(), "/");
        assert_eq!(base(None, "/p").server_url(), "/p");
        assert_eq!(base(Some("https://h"), "").server_url(), "https://h");
        assert_eq!(base(Some("https://h"), "/p").server_url(), "https://h/p");
    }
}
