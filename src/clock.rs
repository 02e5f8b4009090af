//! Time and randomness, injected so cooldown, expiry and retry math are testable.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of "now" in milliseconds since the Unix epoch.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
    /// `now_ms` as a `SystemTime`.
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.now_ms())
    }
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0)
    }
}

/// A clock that only moves when told to (tests; feature `test-util`).
#[cfg(any(test, feature = "test-util"))]
#[derive(Debug, Default)]
pub struct ManualClock(std::sync::atomic::AtomicU64);

#[cfg(any(test, feature = "test-util"))]
impl ManualClock {
    /// A clock showing `ms`.
    pub fn new(ms: u64) -> Self {
        ManualClock(std::sync::atomic::AtomicU64::new(ms))
    }
    /// Sets the time.
    pub fn set(&self, ms: u64) {
        self.0.store(ms, std::sync::atomic::Ordering::SeqCst);
    }
    /// Moves the time forward.
    pub fn advance(&self, d: Duration) {
        self.0
            .fetch_add(d.as_millis() as u64, std::sync::atomic::Ordering::SeqCst);
    }
}

#[cfg(any(test, feature = "test-util"))]
impl Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A source of jitter in `[0, 1)`.
pub trait Jitter: Send + Sync + std::fmt::Debug {
    /// A value in `[0, 1)`.
    fn next_f64(&self) -> f64;
}

/// Thread-local random jitter.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomJitter;

impl Jitter for RandomJitter {
    fn next_f64(&self) -> f64 {
        rand::random::<f64>()
    }
}

/// Always the same value (tests).
#[derive(Debug, Clone, Copy)]
pub struct FixedJitter(pub f64);

impl Jitter for FixedJitter {
    fn next_f64(&self) -> f64 {
        self.0
    }
}

/// Shared clock handle.
pub type SharedClock = Arc<dyn Clock>;
/// Shared jitter handle.
pub type SharedJitter = Arc<dyn Jitter>;

/// The default clock handle.
pub fn system_clock() -> SharedClock {
    Arc::new(SystemClock)
}

const SECOND_MS: u64 = 1_000;
const MINUTE_S: u64 = 60;
const HOUR_S: u64 = 60 * MINUTE_S;
const DAY_S: u64 = 24 * HOUR_S;

/// An instant as a person reads it, relative to `now_ms` and on the clock (UTC):
/// `in 4m 12s, at 18:45:42 UTC`; the date is added when the instant is not on the same UTC day
/// as `now_ms` (`in 2d 3h, at 2026-12-07 21:00:00 UTC`). An instant already reached reads
/// `now (since 18:45:42 UTC)`. Both arguments are ms since the Unix epoch.
///
/// ```
/// use claw_anthropic::clock::describe_instant;
/// let now = 1_796_496_090_000; // 2026-12-05 18:41:30 UTC
/// assert_eq!(describe_instant(now + 252_000, now), "in 4m 12s, at 18:45:42 UTC");
/// ```
pub fn describe_instant(at_ms: u64, now_ms: u64) -> String {
    let clock = utc_time_of_day(at_ms, now_ms);
    if at_ms <= now_ms {
        return format!("now (since {clock})");
    }
    // Rounded up: a wait of 0.4 s is still "in 1s", never "in 0s".
    let wait_s = (at_ms - now_ms).div_ceil(SECOND_MS);
    format!("in {}, at {clock}", short_duration(wait_s))
}

/// `18:45:42 UTC`, or `2026-12-07 18:45:42 UTC` when `at_ms` is not on the UTC day of `now_ms`.
fn utc_time_of_day(at_ms: u64, now_ms: u64) -> String {
    let secs = at_ms / SECOND_MS;
    let (day, in_day) = (secs / DAY_S, secs % DAY_S);
    let time = format!(
        "{:02}:{:02}:{:02}",
        in_day / HOUR_S,
        in_day % HOUR_S / MINUTE_S,
        in_day % MINUTE_S
    );
    if day == now_ms / SECOND_MS / DAY_S {
        return format!("{time} UTC");
    }
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02} {time} UTC")
}

/// The two largest units of a wait: `12s`, `4m 12s`, `3h 5m`, `2d 4h` (a zero second unit is
/// left out: `5m`).
fn short_duration(secs: u64) -> String {
    let (big, big_unit, small, small_unit) = if secs < MINUTE_S {
        return format!("{secs}s");
    } else if secs < HOUR_S {
        (secs / MINUTE_S, "m", secs % MINUTE_S, "s")
    } else if secs < DAY_S {
        (secs / HOUR_S, "h", secs % HOUR_S / MINUTE_S, "m")
    } else {
        (secs / DAY_S, "d", secs % DAY_S / HOUR_S, "h")
    };
    if small == 0 {
        format!("{big}{big_unit}")
    } else {
        format!("{big}{big_unit} {small}{small_unit}")
    }
}

/// An RFC 3339 timestamp (`2026-12-05T18:45:42Z`, `…42.197Z`, `…42+01:00`) as ms since the
/// epoch (`None`: not one, or before 1970). Fractions beyond ms are truncated.
pub(crate) fn parse_rfc3339_ms(text: &str) -> Option<u64> {
    let t = text.trim().as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u64> {
        let b = t.get(r)?;
        b.iter()
            .all(u8::is_ascii_digit)
            .then(|| b.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
    };
    if t.len() < 20
        || t[4] != b'-'
        || t[7] != b'-'
        || !matches!(t[10], b'T' | b't' | b' ')
        || t[13] != b':'
        || t[16] != b':'
    {
        return None;
    }
    let (y, mo, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (h, mi, s) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut i = 19;
    let mut ms = 0u64;
    if t.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while t.get(i).is_some_and(u8::is_ascii_digit) {
            if i - start < 3 {
                ms = ms * 10 + u64::from(t[i] - b'0');
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        for _ in (i - start)..3 {
            ms *= 10;
        }
    }
    let offset_s: i64 = match t.get(i..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (oh, om) = (digits(i + 1..i + 3)?, digits(i + 4..i + 6)?);
            let v = i64::try_from(oh * 3_600 + om * 60).ok()?;
            if *sign == b'+' { v } else { -v }
        }
        _ => return None,
    };
    let days = i64::try_from(days_from_civil(y, mo, d)?).ok()?;
    let secs = days * DAY_S as i64 + i64::try_from(h * HOUR_S + mi * MINUTE_S + s).ok()? - offset_s;
    let secs = u64::try_from(secs).ok()?;
    Some(secs * SECOND_MS + ms)
}

/// The day count since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`; dates from 1970 on).
fn days_from_civil(y: u64, m: u64, d: u64) -> Option<u64> {
    let y = if m <= 2 { y.checked_sub(1)? } else { y };
    let era = y / 400;
    let yoe = y % 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe).checked_sub(719_468)
}

/// The proleptic Gregorian date (year, month, day) of a day count since 1970-01-01
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-05 18:45:42.197 UTC.
    const AT: u64 = 1_796_496_342_197;

    #[test]
    fn describes_instants_later_today() {
        assert_eq!(
            describe_instant(AT, AT - 252_000),
            "in 4m 12s, at 18:45:42 UTC"
        );
        assert_eq!(describe_instant(AT, AT - 300), "in 1s, at 18:45:42 UTC");
        assert_eq!(
            describe_instant(AT, AT - 5 * 60_000),
            "in 5m, at 18:45:42 UTC"
        );
        assert_eq!(
            describe_instant(AT, AT - (3 * 3_600 + 5 * 60) * 1_000),
            "in 3h 5m, at 18:45:42 UTC"
        );
    }

    #[test]
    fn other_days_carry_the_date() {
        let now = AT - (2 * 86_400 + 4 * 3_600) * 1_000;
        assert_eq!(
            describe_instant(AT, now),
            "in 2d 4h, at 2026-12-05 18:45:42 UTC"
        );
        assert_eq!(
            describe_instant(AT, AT + 86_400_000),
            "now (since 2026-12-05 18:45:42 UTC)"
        );
        assert_eq!(describe_instant(AT, AT), "now (since 18:45:42 UTC)");
    }

    #[test]
    fn rfc3339_timestamps() {
        assert_eq!(parse_rfc3339_ms("2026-12-05T18:45:42.197Z"), Some(AT));
        assert_eq!(parse_rfc3339_ms("2026-12-05T18:45:42.1979Z"), Some(AT));
        assert_eq!(parse_rfc3339_ms("2026-12-05T18:45:42Z"), Some(AT - 197));
        assert_eq!(
            parse_rfc3339_ms("2026-12-05T19:45:42.2+01:00"),
            Some(AT + 3)
        );
        assert_eq!(parse_rfc3339_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339_ms("2000-02-29T00:00:00Z"),
            Some(11_016 * 86_400_000)
        );
        for bad in [
            "",
            "0000-01-01T00:00:00Z",
            "2026-12-05",
            "2026-13-05T00:00:00Z",
            "2026-12-05T18:45:42",
            "2026-12-05T18:45:42.Z",
            "1969-12-31T23:59:59Z",
            "2026-12-05T18:45:42Zx",
        ] {
            assert_eq!(parse_rfc3339_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(59), (1970, 3, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(47_482), (2100, 1, 1));
        assert_eq!(civil_from_days(AT / 86_400_000), (2026, 12, 5));
    }
}
