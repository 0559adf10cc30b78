//! `priceline serve` as a child process (for what only a real process shows: signals, its log), and
//! a raw HTTP/1.1 client over `std::net::TcpStream` that sends exactly the bytes a test gives.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::import::priceline_binary;

pub struct ServerProcess {
    pub child: Child,
    /// `127.0.0.1:PORT`.
    pub address: String,
    /// Everything the server wrote to stderr (its log) so far.
    log: Arc<Mutex<String>>,
}

impl ServerProcess {
    /// Starts `priceline serve` over `database_url` on a free port with these extra variables and
    /// waits until it prints its URLs.
    pub fn start(database_url: &str, vars: &[(&str, &str)]) -> Self {
        let mut command = Command::new(priceline_binary());
        command
            .arg("serve")
            .env_remove("RUST_LOG")
            .env_remove("PRICELINE_API_KEYS")
            .env_remove("PRICELINE_JWT_SECRET")
            .env("PRICELINE_DATABASE_URL", database_url)
            .env("PRICELINE_LISTEN", "127.0.0.1:0")
            .env("PRICELINE_WORKERS", "1")
            .env("PRICELINE_POOL_SIZE", "2")
            .env("PRICELINE_RATE_LIMIT_PER_SECOND", "0")
            .env("PRICELINE_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in vars {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("start priceline serve");
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("piped stderr");
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let mut address = None;
        for line in BufReader::new(child.stdout.take().expect("piped stdout")).lines() {
            let line = line.expect("server output");
            if let Some(url) = line.trim().strip_prefix("Health:") {
                let url = url.trim().trim_start_matches("http://");
                // Serving TLS (PRICELINE_TLS_CERT/KEY): the address is the same.
                let url = url.trim_start_matches("https://");
                address = url.strip_suffix("/healthz").map(str::to_owned);
                break;
            }
        }
        let Some(address) = address else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server did not start: {}", log.lock().unwrap());
        };
        Self {
            child,
            address,
            log,
        }
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Sends SIGTERM (the `kill` command: the suite has no libc binding of its own).
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
    }

    /// Waits up to `limit` for the process to exit; panics (after killing it) if it does not.
    pub fn wait_for_exit(&mut self, limit: Duration) -> std::process::ExitStatus {
        let started = std::time::Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if started.elapsed() > limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("the server did not exit within {limit:?}: {}", self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One response as read off the wire.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(known, _)| known == name)
            .map(|(_, value)| value.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// A connection that sends raw bytes and reads responses framed by Content-Length.
pub struct RawConnection {
    stream: BufReader<TcpStream>,
}

impl RawConnection {
    pub fn open(address: &str) -> std::io::Result<Self> {
        let stream = TcpStream::connect(address)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Self {
            stream: BufReader::new(stream),
        })
    }

    pub fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.get_mut().write_all(bytes)
    }

    /// Reads one response; its body must have a Content-Length (every response here does, HEAD
    /// aside).
    pub fn read_response(&mut self) -> std::io::Result<RawResponse> {
        let mut status_line = String::new();
        if self.stream.read_line(&mut status_line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("status line {status_line:?}")))?;
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            self.stream.read_line(&mut line)?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
            }
        }
        let length: usize = headers
            .iter()
            .find(|(name, _)| name == "content-length")
            .and_then(|(_, value)| value.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        self.stream.read_exact(&mut body)?;
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }

    /// True when the server has closed the connection (end of stream, or a reset) or closes it
    /// within two seconds; false when it stays open that long (or sends something).
    pub fn is_closed(&mut self) -> bool {
        let stream = self.stream.get_ref();
        stream
            .set_read_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        let mut byte = [0];
        let read = self.stream.read(&mut byte);
        self.stream
            .get_ref()
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        match read {
            Ok(0) => true,
            Ok(_) => false,
            Err(error) => !matches!(
                error.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
        }
    }
}

/// `GET path` on a new connection: the response, or the connection error.
pub fn get(address: &str, path: &str) -> std::io::Result<RawResponse> {
    let mut connection = RawConnection::open(address)?;
    connection.send(format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").as_bytes())?;
    connection.read_response()
}
