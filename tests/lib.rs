//! Test support lives in `suite/`; this library holds what the suite and the benches share: a small
//! OTLP/HTTP receiver.

pub mod otlp {
    //! A real OTLP/HTTP receiver on 127.0.0.1:0: accepts `POST /v1/traces` and `/v1/metrics` (any
    //! path), answers 200 with an empty body (an empty export response, valid in protobuf and JSON)
    //! and keeps each request's path and body for the test to decode. Standard library only, so the
    //! benches can run it too.

    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{SocketAddr, TcpListener, TcpStream};
    use std::sync::{Arc, Mutex};

    type Received = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

    pub struct OtlpSink {
        address: SocketAddr,
        received: Received,
    }

    impl OtlpSink {
        /// Listens on a free loopback port; a thread per connection serves until the process ends.
        pub fn start() -> Self {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind the OTLP sink");
            let address = listener.local_addr().expect("the sink's address");
            let received = Received::default();
            let kept = Arc::clone(&received);
            std::thread::spawn(move || {
                for stream in listener.incoming().flatten() {
                    let kept = Arc::clone(&kept);
                    std::thread::spawn(move || serve(stream, &kept));
                }
            });
            Self { address, received }
        }

        /// The base URL for `OTEL_EXPORTER_OTLP_ENDPOINT` (the exporters append `/v1/traces`…).
        pub fn endpoint(&self) -> String {
            format!("http://{}", self.address)
        }

        /// The bodies received on `path` so far (`/v1/traces`, `/v1/metrics`).
        pub fn bodies(&self, path: &str) -> Vec<Vec<u8>> {
            self.received
                .lock()
                .expect("the sink's list")
                .iter()
                .filter(|(received, _)| received == path)
                .map(|(_, body)| body.clone())
                .collect()
        }

        /// How many exports arrived, on any path.
        pub fn count(&self) -> usize {
            self.received.lock().expect("the sink's list").len()
        }
    }

    /// HTTP/1.1 with keep-alive: request line, headers, a body by Content-Length or chunked.
    fn serve(stream: TcpStream, received: &Received) {
        let Ok(mut writer) = stream.try_clone() else {
            return;
        };
        let mut reader = BufReader::new(stream);
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
            let mut length = 0usize;
            let mut chunked = false;
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 {
                    return;
                }
                let header = header.trim_end();
                if header.is_empty() {
                    break;
                }
                if let Some((name, value)) = header.split_once(':') {
                    let value = value.trim();
                    if name.eq_ignore_ascii_case("content-length") {
                        length = value.parse().unwrap_or(0);
                    } else if name.eq_ignore_ascii_case("transfer-encoding") {
                        chunked = value.eq_ignore_ascii_case("chunked");
                    }
                }
            }
            let mut body = Vec::new();
            if chunked {
                loop {
                    let mut size = String::new();
                    if reader.read_line(&mut size).unwrap_or(0) == 0 {
                        return;
                    }
                    let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
                    let mut chunk = vec![0; size + 2];
                    if reader.read_exact(&mut chunk).is_err() {
                        return;
                    }
                    if size == 0 {
                        break;
                    }
                    body.extend_from_slice(&chunk[..size]);
                }
            } else {
                body.resize(length, 0);
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
            }
            received.lock().expect("the sink's list").push((path, body));
            let answer = "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n";
            if writer.write_all(answer.as_bytes()).is_err() {
                return;
            }
        }
    }
}
