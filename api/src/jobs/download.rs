//! URL jobs: which URLs may be fetched (`PRICELINE_IMPORT_URL_ALLOWLIST`) and the download itself,
//! streamed to the job's folder under the same size limit as an upload.

use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

/// The URL as it will be fetched (parsed, so `..` segments are resolved before the comparison),
/// when it starts with one of the `allowlist` prefixes. A prefix that does not end with `/` matches
/// only up to a boundary: `https://files.example.org` does not admit
/// `https://files.example.org.attacker.net/`.
pub fn allowed(url: &str, allowlist: &[String]) -> Option<url::Url> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return None;
    }
    // Credentials in a URL would end up in the job resource and the logs.
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return None;
    }
    let text = parsed.as_str();
    let admitted = allowlist.iter().any(|prefix| {
        let prefix = url::Url::parse(prefix)
            .map(|url| url.to_string())
            .unwrap_or_else(|_| prefix.clone());
        // `Url` writes `https://host` as `https://host/`; an allowlist entry without a path
        // means the whole host.
        text.strip_prefix(prefix.as_str()).is_some_and(|rest| {
            prefix.ends_with('/') || rest.is_empty() || rest.starts_with(['/', '?', '#'])
        })
    });
    admitted.then_some(parsed)
}

/// The file name a downloaded file is given: the URL's last path segment, decoded (the importer
/// reads the hospital's EIN from the CMS naming convention), or `download` when there is none.
pub fn file_name_of_url(url: &url::Url) -> String {
    url.path_segments()
        .and_then(|mut segments| segments.next_back())
        .map(percent_decode)
        .filter(|name| super::valid_file_name(name))
        .unwrap_or_else(|| "download".to_owned())
}

fn percent_decode(text: &str) -> String {
    let bytes: Vec<u8> =
        form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
            .next()
            .map(|(_, value)| value.into_owned().into_bytes())
            .unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Downloads `url` into `destination`, refusing more than `max_bytes`; the bytes written. Redirects
/// are not followed: a redirect could leave the allowlist. `progress` is told the bytes so far and
/// answers whether to go on (false: the server is stopping, the download is abandoned).
pub fn download(
    url: &url::Url,
    destination: &Path,
    max_bytes: u64,
    progress: &dyn Fn(u64, Option<u64>) -> bool,
) -> Result<u64, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(30)))
        // A server that stops sending mid-file must not hold the runner for ever.
        .timeout_recv_body(Some(Duration::from_secs(120)))
        .build()
        .into();
    let mut response = agent
        .get(url.as_str())
        .call()
        .map_err(|error| format!("cannot download {url}: {error}"))?;
    let status = response.status();
    if !status.is_success() {
        let hint = if status.is_redirection() {
            " (redirects are not followed: allowlist and use the final URL)"
        } else {
            ""
        };
        return Err(format!("{url} answered HTTP {}{hint}", status.as_u16()));
    }
    let declared = response
        .headers()
        .get("content-length")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > max_bytes) {
        return Err(too_large(url, max_bytes));
    }
    let mut reader = response.body_mut().as_reader();
    let mut file = std::fs::File::create(destination)
        .map_err(|error| format!("cannot write the download: {error}"))?;
    let mut buffer = vec![0u8; 256 * 1024];
    let mut written: u64 = 0;
    loop {
        let read = reader
            .read(&mut buffer)
            .map_err(|error| format!("the download of {url} broke off: {error}"))?;
        if read == 0 {
            break;
        }
        written += read as u64;
        if written > max_bytes {
            return Err(too_large(url, max_bytes));
        }
        file.write_all(&buffer[..read])
            .map_err(|error| format!("cannot write the download: {error}"))?;
        if !progress(written, declared) {
            return Err(format!("the download of {url} was abandoned"));
        }
    }
    file.sync_all()
        .map_err(|error| format!("cannot write the download: {error}"))?;
    Ok(written)
}

fn too_large(url: &url::Url, max_bytes: u64) -> String {
    format!(
        "{url} is larger than {max_bytes} bytes (PRICELINE_IMPORT_MAX_BYTES); nothing was imported"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_allowlisted_prefixes_at_a_boundary_pass() {
        let list = vec![
            "https://files.example.org/mrf/".to_owned(),
            "http://127.0.0.1:8000".to_owned(),
        ];
        for url in [
            "https://files.example.org/mrf/123_h_standardcharges.csv",
            "http://127.0.0.1:8000/a.csv",
            "http://127.0.0.1:8000",
        ] {
            assert!(allowed(url, &list).is_some(), "{url}");
        }
        for url in [
            "https://files.example.org/other/a.csv",
            "https://files.example.org/mrf/../secret.csv",
            "http://127.0.0.1:80001/a.csv",
            "http://127.0.0.1:8000.evil.net/a.csv",
            "https://user:pw@files.example.org/mrf/a.csv",
            "ftp://files.example.org/mrf/a.csv",
            "not a url",
        ] {
            assert!(allowed(url, &list).is_none(), "{url}");
        }
        assert!(allowed("https://files.example.org/mrf/a.csv", &[]).is_none());
    }

    #[test]
    fn a_download_is_named_after_its_last_segment() {
        let name = |url: &str| file_name_of_url(&url::Url::parse(url).unwrap());
        assert_eq!(
            name("https://h.org/mrf/12-3456789_west_standardcharges.csv?x=1"),
            "12-3456789_west_standardcharges.csv"
        );
        assert_eq!(name("https://h.org/a%20b.json"), "a b.json");
        assert_eq!(name("https://h.org/"), "download");
    }
}
