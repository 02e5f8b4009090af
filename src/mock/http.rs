//! A small HTTP/1.1 server side: request parsing (content-length and chunked bodies,
//! keep-alive, pipelining) and response writing with faults (delays, drips, resets, stalls).

use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

use super::reply::{Cut, Drip};

pub(crate) const MAX_HEAD: usize = 64 * 1024;
pub(crate) const MAX_BODY: usize = 64 * 1024 * 1024;

/// A parsed request.
pub(crate) struct Request {
    pub method: String,
    pub target: String,
    pub http10: bool,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl Request {
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn keep_alive(&self) -> bool {
        let conn = self.header("connection").map(str::to_ascii_lowercase);
        match conn.as_deref() {
            Some(c) if c.split(',').any(|t| t.trim() == "close") => false,
            Some(c) if c.split(',').any(|t| t.trim() == "keep-alive") => true,
            _ => !self.http10,
        }
    }
}

/// Why a request could not be read.
pub(crate) enum ReadError {
    /// Connection closed or broken; nothing to answer.
    Gone,
    /// Answer with this status and message, then close.
    Bad(u16, &'static str),
}

/// Resolves when the server shuts down.
pub(crate) async fn shutdown_signal(rx: &mut watch::Receiver<bool>) {
    loop {
        if *rx.borrow_and_update() {
            return;
        }
        if rx.changed().await.is_err() {
            return;
        }
    }
}

async fn fill(stream: &mut TcpStream, buf: &mut BytesMut) -> Result<(), ReadError> {
    buf.reserve(8192);
    match stream.read_buf(buf).await {
        Ok(0) | Err(_) => Err(ReadError::Gone),
        Ok(_) => Ok(()),
    }
}

/// Reads one request. `Ok(None)`: the client closed the connection between requests.
pub(crate) async fn read_request(
    stream: &mut TcpStream,
    buf: &mut BytesMut,
) -> Result<Option<Request>, ReadError> {
    // Head.
    let head_end = loop {
        if let Some(i) = memchr::memmem::find(buf, b"\r\n\r\n") {
            break i;
        }
        if buf.len() > MAX_HEAD {
            return Err(ReadError::Bad(431, "request header fields too large"));
        }
        let was_empty = buf.is_empty();
        match fill(stream, buf).await {
            Ok(()) => {}
            Err(ReadError::Gone) if was_empty => return Ok(None),
            Err(e) => return Err(e),
        }
    };
    let head = buf.split_to(head_end + 4);
    let head = std::str::from_utf8(&head[..head_end])
        .map_err(|_| ReadError::Bad(400, "request head is not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Bad(400, "malformed request line"));
    };
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err(ReadError::Bad(505, "HTTP version not supported")),
    };
    let mut headers = Vec::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Err(ReadError::Bad(400, "malformed header line"));
        };
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let mut req = Request {
        method: method.to_string(),
        target: target.to_string(),
        http10,
        headers,
        body: Bytes::new(),
    };

    // Body.
    let chunked = req
        .header("transfer-encoding")
        .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
    if chunked {
        req.body = read_chunked(stream, buf).await?;
    } else if let Some(len) = req.header("content-length") {
        let len: usize = len
            .parse()
            .map_err(|_| ReadError::Bad(400, "invalid content-length"))?;
        if len > MAX_BODY {
            return Err(ReadError::Bad(413, "request body too large"));
        }
        while buf.len() < len {
            fill(stream, buf).await?;
        }
        req.body = buf.split_to(len).freeze();
    }
    Ok(Some(req))
}

async fn read_line(stream: &mut TcpStream, buf: &mut BytesMut) -> Result<BytesMut, ReadError> {
    loop {
        if let Some(i) = memchr::memmem::find(buf, b"\r\n") {
            let line = buf.split_to(i);
            buf.advance(2);
            return Ok(line);
        }
        if buf.len() > MAX_HEAD {
            return Err(ReadError::Bad(400, "chunk header too long"));
        }
        fill(stream, buf).await?;
    }
}

async fn read_chunked(stream: &mut TcpStream, buf: &mut BytesMut) -> Result<Bytes, ReadError> {
    let mut body = BytesMut::new();
    loop {
        let line = read_line(stream, buf).await?;
        let size = std::str::from_utf8(&line)
            .ok()
            .map(|l| l.split(';').next().unwrap_or_default().trim())
            .and_then(|s| usize::from_str_radix(s, 16).ok())
            .ok_or(ReadError::Bad(400, "invalid chunk size"))?;
        if size == 0 {
            // Trailers, until an empty line.
            while !read_line(stream, buf).await?.is_empty() {}
            return Ok(body.freeze());
        }
        if body.len() + size > MAX_BODY {
            return Err(ReadError::Bad(413, "request body too large"));
        }
        while buf.len() < size + 2 {
            fill(stream, buf).await?;
        }
        body.extend_from_slice(&buf[..size]);
        if &buf[size..size + 2] != b"\r\n" {
            return Err(ReadError::Bad(400, "chunk not terminated by CRLF"));
        }
        buf.advance(size + 2);
    }
}

/// Standard reason phrases for the statuses the mock uses.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        529 => "Overloaded",
        _ => "Unknown",
    }
}

/// A fully decided response.
pub(crate) struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// Send the body chunked (streams) rather than with content-length.
    pub chunked: bool,
    pub delay: Option<Duration>,
    pub header_drip: Option<Drip>,
    pub drip: Option<Drip>,
    pub cut: Option<(usize, Cut)>,
    /// Reset before any byte.
    pub reset_now: bool,
}

fn reset(stream: TcpStream) {
    let _ = stream.set_zero_linger();
    drop(stream);
}

async fn sleep_or_shutdown(d: Duration, shutdown: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => true,
        _ = shutdown_signal(shutdown) => false,
    }
}

async fn write_dripped(
    stream: &mut TcpStream,
    data: &[u8],
    drip: Option<Drip>,
    shutdown: &mut watch::Receiver<bool>,
) -> std::io::Result<bool> {
    match drip {
        None => {
            stream.write_all(data).await?;
            Ok(true)
        }
        Some(d) => {
            for (i, piece) in data.chunks(d.bytes).enumerate() {
                if i > 0 && !sleep_or_shutdown(d.interval, shutdown).await {
                    return Ok(false);
                }
                stream.write_all(piece).await?;
            }
            Ok(true)
        }
    }
}

/// Writes `resp`; consumes the stream when the connection must end.
pub(crate) async fn write_response(
    mut stream: TcpStream,
    resp: Response,
    keep_alive: bool,
    shutdown: &mut watch::Receiver<bool>,
) -> Option<TcpStream> {
    if resp.reset_now {
        reset(stream);
        return None;
    }
    if let Some(d) = resp.delay
        && !sleep_or_shutdown(d, shutdown).await
    {
        return None;
    }
    let keep_alive = keep_alive && resp.cut.is_none();
    let mut head = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    for (n, v) in &resp.headers {
        head.push_str(n);
        head.push_str(": ");
        head.push_str(v);
        head.push_str("\r\n");
    }
    if resp.chunked {
        head.push_str("transfer-encoding: chunked\r\n");
    } else {
        head.push_str(&format!("content-length: {}\r\n", resp.body.len()));
    }
    head.push_str(if keep_alive {
        "connection: keep-alive\r\n\r\n"
    } else {
        "connection: close\r\n\r\n"
    });
    match write_dripped(&mut stream, head.as_bytes(), resp.header_drip, shutdown).await {
        Ok(true) => {}
        _ => return None,
    }

    let (limit, cut) = match resp.cut {
        Some((n, c)) => (n.min(resp.body.len()), Some(c)),
        None => (resp.body.len(), None),
    };
    let body = &resp.body[..limit];
    let ok = if resp.chunked {
        let piece = resp.drip.map_or(64 * 1024, |d| d.bytes);
        let mut ok = true;
        for (i, part) in body.chunks(piece).enumerate() {
            if i > 0
                && let Some(d) = resp.drip
                && !sleep_or_shutdown(d.interval, shutdown).await
            {
                return None;
            }
            // Size line, data and CRLF in one vectored write: the data is not copied.
            let size_line = format!("{:x}\r\n", part.len());
            let mut frame = Buf::chain(Buf::chain(size_line.as_bytes(), part), &b"\r\n"[..]);
            if stream.write_all_buf(&mut frame).await.is_err() {
                ok = false;
                break;
            }
        }
        ok && (cut.is_some() || stream.write_all(b"0\r\n\r\n").await.is_ok())
    } else {
        matches!(
            write_dripped(&mut stream, body, resp.drip, shutdown).await,
            Ok(true)
        )
    };
    if !ok {
        return None;
    }
    let _ = stream.flush().await;
    match cut {
        None if keep_alive => Some(stream),
        None => {
            let _ = stream.shutdown().await;
            None
        }
        Some(Cut::Reset) => {
            reset(stream);
            None
        }
        Some(Cut::Close) => {
            let _ = stream.shutdown().await;
            None
        }
        Some(Cut::Stall) => {
            // Hold the connection until the client goes away or the server stops.
            let mut sink = [0u8; 1024];
            loop {
                tokio::select! {
                    r = stream.read(&mut sink) => match r {
                        Ok(0) | Err(_) => return None,
                        Ok(_) => {}
                    },
                    _ = shutdown_signal(shutdown) => return None,
                }
            }
        }
    }
}

/// Answers a request that could not be read, then closes.
pub(crate) async fn write_bad_request(mut stream: TcpStream, status: u16, message: &str) {
    let body = super::render::error_body("invalid_request_error", message).to_string();
    let head = format!(
        "HTTP/1.1 {status} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        reason(status),
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body.as_bytes()).await;
    let _ = stream.shutdown().await;
}
