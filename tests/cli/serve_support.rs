//! A real `mlm-sim serve` process on a free port, and a small HTTP client for it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// A running server, stopped when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub url: String,
    agent: ureq::Agent,
}

impl Server {
    /// Start `mlm-sim serve --port 0 --threads 2 <extra>` and wait for its address.
    pub fn start(extra: &[&str]) -> Server {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("mlm-sim"))
            .args(["serve", "--port", "0", "--threads", "2"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("mlm-sim serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://")) else {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "no address printed: {line:?}; stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        };
        let url = url.trim_end_matches('/').to_string();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        Server { child, url, agent }
    }

    /// `POST path` with a JSON body: (status, body as JSON, or `null` if it is not JSON).
    pub fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let (status, bytes) = self.post_bytes(path, body);
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// `POST path` with a JSON body: (status, raw body).
    pub fn post_bytes(&self, path: &str, body: &Value) -> (u16, Vec<u8>) {
        let mut r = self
            .agent
            .post(format!("{}{path}", self.url))
            .send_json(body)
            .expect("the server answers");
        let status = r.status().as_u16();
        let bytes = r
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_vec()
            .unwrap();
        (status, bytes)
    }

    /// `POST path` with a raw body.
    pub fn post_raw(&self, path: &str, body: &[u8]) -> (u16, Value) {
        let mut r = self
            .agent
            .post(format!("{}{path}", self.url))
            .header("content-type", "application/json")
            .send(body)
            .expect("the server answers");
        let status = r.status().as_u16();
        let v = r.body_mut().read_json::<Value>().unwrap_or(Value::Null);
        (status, v)
    }

    /// `GET path`: (status, body as text).
    pub fn get(&self, path: &str) -> (u16, String) {
        let mut r = self
            .agent
            .get(format!("{}{path}", self.url))
            .call()
            .expect("the server answers");
        let status = r.status().as_u16();
        (status, r.body_mut().read_to_string().unwrap_or_default())
    }

    /// `GET /api/status` as JSON.
    pub fn status(&self) -> Value {
        serde_json::from_str(&self.get("/api/status").1).unwrap()
    }

    /// The process id (to send it signals).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Wait for the process to end by itself, at most `secs` seconds.
    pub fn wait_exit(&mut self, secs: u64) -> Option<std::process::ExitStatus> {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        while std::time::Instant::now() < until {
            if let Some(s) = self.child.try_wait().unwrap() {
                return Some(s);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A run request for `scenario` with `settings` (key, TOML text) and `careers`.
pub fn run_request(
    session: &str,
    scenario: &str,
    settings: &[(&str, &str)],
    careers: Option<u64>,
) -> Value {
    let settings: serde_json::Map<String, Value> = settings
        .iter()
        .map(|(k, v)| (k.to_string(), Value::from(*v)))
        .collect();
    serde_json::json!({
        "session": session,
        "current": { "scenario": scenario, "settings": settings },
        "careers": careers,
    })
}
