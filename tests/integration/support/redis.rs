//! A real `redis-server` on a free loopback port, without persistence, stopped when dropped.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct RedisServer {
    pub port: u16,
    child: Option<Child>,
    _dir: tempfile::TempDir,
}

impl RedisServer {
    /// Starts one (panics with a clear message when `redis-server` is not installed).
    pub fn start() -> RedisServer {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let mut s = RedisServer {
            port,
            child: None,
            _dir: dir,
        };
        s.spawn();
        s
    }

    fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(self._dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is needed for the fleet tests (apt-get install redis-server)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.command(&["PING"]).as_deref() != Some("+PONG") {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Stops the server (a client sees its connections closed and refused).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same port, empty.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    /// One command in RESP; the raw first reply line(s) (`None`: no server).
    fn command(&self, args: &[&str]) -> Option<String> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        let mut req = format!("*{}\r\n", args.len());
        for a in args {
            req.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        s.write_all(req.as_bytes()).ok()?;
        let mut out = Vec::new();
        let mut buf = [0u8; 65536];
        loop {
            let n = s.read(&mut buf).ok()?;
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
            if complete(&out) {
                break;
            }
        }
        Some(String::from_utf8_lossy(&out).trim_end().to_owned())
    }

    /// `GET key` (`None` when absent).
    pub fn get(&self, key: &str) -> Option<String> {
        let r = self.command(&["GET", key])?;
        if r.starts_with("$-1") {
            return None;
        }
        r.split_once("\r\n").map(|(_, v)| v.to_owned())
    }

    /// Every key.
    pub fn keys(&self) -> Vec<String> {
        let r = self.command(&["KEYS", "*"]).unwrap_or_default();
        // `*n`, then `$len` and the key for each.
        let lines: Vec<&str> = r.split("\r\n").collect();
        lines
            .iter()
            .skip(2)
            .step_by(2)
            .map(|k| (*k).to_owned())
            .collect()
    }

    /// Every key with its value and its time to live in ms, as text (for secret scans).
    pub fn dump(&self) -> String {
        let mut out = String::new();
        for k in self.keys() {
            let v = self.get(&k).unwrap_or_default();
            let ttl = self.command(&["PTTL", &k]).unwrap_or_default();
            out.push_str(&format!("{k} = {v} (pttl {ttl})\n"));
        }
        out
    }

    /// Holds every client's writes (reads go on) for `ms` (`CLIENT PAUSE … WRITE`).
    pub fn pause_writes(&self, ms: u64) {
        let r = self.command(&["CLIENT", "PAUSE", &ms.to_string(), "WRITE"]);
        assert_eq!(r.as_deref(), Some("+OK"), "CLIENT PAUSE");
    }

    /// The time to live of `key` in ms (-1: none, -2: no key).
    pub fn pttl(&self, key: &str) -> i64 {
        self.command(&["PTTL", key])
            .and_then(|r| r.trim_start_matches(':').parse().ok())
            .unwrap_or(-2)
    }
}

/// Whether `buf` holds one whole RESP reply (simple, integer, bulk or array of bulks).
fn complete(buf: &[u8]) -> bool {
    let s = String::from_utf8_lossy(buf);
    let Some(first) = s.chars().next() else {
        return false;
    };
    match first {
        '+' | '-' | ':' => s.ends_with("\r\n"),
        '$' => {
            let Some((len, rest)) = s.split_once("\r\n") else {
                return false;
            };
            let n: i64 = len[1..].parse().unwrap_or(-1);
            n < 0 || rest.len() >= n as usize + 2
        }
        '*' => {
            let Some((count, _)) = s.split_once("\r\n") else {
                return false;
            };
            let n: usize = count[1..].parse().unwrap_or(0);
            // Count the bulk strings' lines: header + 2 lines per element.
            s.matches("\r\n").count() > 2 * n
        }
        _ => true,
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
