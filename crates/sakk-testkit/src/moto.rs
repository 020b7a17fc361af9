//! A moto server for the tests: started on a free loopback port, reset between tests, killed
//! when dropped. `scripts/test` puts `moto_server` on `PATH` (from its virtual environment);
//! `SAKK_MOTO_SERVER` names another executable. A missing moto is a failure, never a skip.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running moto server.
pub struct Moto {
    child: Child,
    port: u16,
}

/// A free port on 127.0.0.1 (the OS picks it; there is a small window before moto binds it).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap_or(0)
}

/// Sends one HTTP/1.1 request and returns the status code and body.
pub fn http(port: u16, method: &str, path: &str, body: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

impl Moto {
    /// Starts moto; panics with what to do when it cannot.
    pub fn start() -> Self {
        let program = std::env::var("SAKK_MOTO_SERVER").unwrap_or_else(|_| "moto_server".into());
        let port = free_port();
        let child = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .env("MOTO_ACM_VALIDATION_WAIT", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match child {
            Ok(child) => child,
            Err(error) => panic!(
                "cannot start `{program}` ({error}): the AWS tests need moto. Run them with \
                 `scripts/test`, which installs moto into its virtual environment, or put \
                 `moto_server` on PATH (pip install \"moto[server]\")"
            ),
        };
        let mut moto = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok((200, _)) = http(port, "GET", "/moto-api/", "") {
                break;
            }
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!("`{program}` exited at start ({status}): is moto installed correctly?");
            }
            if Instant::now() > deadline {
                panic!("`{program}` did not answer on 127.0.0.1:{port} within 30 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        moto
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its endpoint URL.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Wipes every resource.
    pub fn reset(&self) {
        match http(self.port, "POST", "/moto-api/reset", "") {
            Ok((200, _)) => {}
            other => panic!("moto reset failed: {other:?}"),
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The environment every test process gets: dummy credentials, no instance metadata, no
/// shared configuration, and the endpoint on loopback. Nothing can reach real AWS.
pub fn aws_environment(endpoint: &str, region: &str) -> Vec<(String, String)> {
    [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_SESSION_TOKEN", "testing"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_CONFIG_FILE", "/nonexistent/sakk-test-aws-config"),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/sakk-test-aws-credentials",
        ),
        ("AWS_REGION", region),
        ("AWS_ENDPOINT_URL", endpoint),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_owned(), value.to_owned()))
    .collect()
}
