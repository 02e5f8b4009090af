//! Byte scanning of JSON string bodies: the fast path's unescaping without `serde_json`.

/// Decodes the JSON string body starting right after the opening quote into `out`; returns the
/// number of bytes consumed including the closing quote, or `None` for malformed input.
#[cfg(test)]
pub(super) fn unescape_into(s: &str, out: &mut String) -> Option<usize> {
    unescape_bytes_into(s.as_bytes(), out)
}

/// [`unescape_into`] on bytes: the raw runs between escapes are checked to be UTF-8 as they
/// are copied (no separate validation pass over the whole event); invalid UTF-8 → `None`.
pub(super) fn unescape_bytes_into(b: &[u8], out: &mut String) -> Option<usize> {
    let mut i = 0;
    loop {
        let j = string_run(b, i)?;
        if b[j] < 0x20 {
            // Raw control characters are not allowed in JSON strings.
            return None;
        }
        out.push_str(std::str::from_utf8(&b[i..j]).ok()?);
        if b[j] == b'"' {
            return Some(j + 1);
        }
        let esc = *b.get(j + 1)?;
        i = j + 2;
        let c = match esc {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = hex4(b.get(i..i + 4)?)?;
                i += 4;
                if (0xD800..0xDC00).contains(&hi) {
                    if b.get(i..i + 2)? != b"\\u" {
                        return None;
                    }
                    let lo = hex4(b.get(i + 2..i + 6)?)?;
                    if !(0xDC00..0xE000).contains(&lo) {
                        return None;
                    }
                    i += 6;
                    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))?
                } else {
                    char::from_u32(hi)?
                }
            }
            _ => return None,
        };
        out.push(c);
    }
}

/// From `b[i..]`, the position of the first `"`, `\\` or control character (`None` when there
/// is none). Eight bytes at a time: on short strings (the usual few dozen bytes of a delta)
/// `memchr`'s setup would dominate.
pub(super) fn string_run(b: &[u8], mut i: usize) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    while let Some(w) = b.get(i..i + 8) {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        let x = u64::from_le_bytes(a);
        // The "has zero byte" trick on x ^ '"' and x ^ '\\', and "has byte less than" for
        // 0x20: each is exact in its lowest flagged byte (false positives only sit above a
        // true hit), so the lowest flag of the three together is the first special byte.
        let quote = x ^ (ONES * u64::from(b'"'));
        let bslash = x ^ (ONES * u64::from(b'\\'));
        let hits = ((quote.wrapping_sub(ONES) & !quote)
            | (bslash.wrapping_sub(ONES) & !bslash)
            | (x.wrapping_sub(ONES * 0x20) & !x))
            & HIGH;
        if hits != 0 {
            return Some(i + (hits.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    Some(
        i + b[i..]
            .iter()
            .position(|&c| c == b'"' || c == b'\\' || c < 0x20)?,
    )
}

pub(super) fn hex4(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in b {
        v = v * 16 + (c as char).to_digit(16)?;
    }
    Some(v)
}
