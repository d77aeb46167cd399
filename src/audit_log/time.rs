//! UTC timestamps without a date library: RFC 3339 out, and `--since` in (a duration
//! such as `30m`, `2h`, `7d`, or a date `2026-01-31`, optionally with `THH:MM[:SS]`).

const DAY: u64 = 86_400;

/// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's civil_from_days).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (year, month, day) → days since 1970-01-01.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `2026-01-31T12:00:03Z`.
pub fn rfc3339(ts: u64) -> String {
    let (y, m, d) = civil_from_days((ts / DAY) as i64);
    let s = ts % DAY;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

/// The earliest time a `--since` value admits, in seconds since the epoch.
pub fn parse_since(text: &str, now: u64) -> Result<u64, String> {
    let t = text.trim();
    let bad = || {
        format!("`{t}` is not a time: use a duration (30m, 2h, 7d) or a date (2026-01-31, 2026-01-31T12:00)")
    };
    let digits = t.len().saturating_sub(1);
    let duration = digits > 0 && t.as_bytes()[..digits].iter().all(u8::is_ascii_digit);
    if let Some(unit) = t.chars().last().filter(|_| duration) {
        let n: u64 = t[..t.len() - 1].parse().map_err(|_| bad())?;
        let secs = match unit {
            's' => n,
            'm' => n * 60,
            'h' => n * 3600,
            'd' => n * DAY,
            'w' => n * 7 * DAY,
            _ => return Err(bad()),
        };
        return Ok(now.saturating_sub(secs));
    }
    let (date, clock) = match t.split_once(['T', ' ']) {
        Some((d, c)) => (d, Some(c.trim_end_matches('Z'))),
        None => (t, None),
    };
    let mut parts = date.splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let (y, m, d): (i64, u32, u32) = (
        y.parse().map_err(|_| bad())?,
        m.parse().map_err(|_| bad())?,
        d.parse().map_err(|_| bad())?,
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || y < 1970 {
        return Err(bad());
    }
    let mut secs = days_from_civil(y, m, d) as u64 * DAY;
    if let Some(c) = clock {
        let mut f = c.split(':');
        let h: u64 = f.next().unwrap_or("0").parse().map_err(|_| bad())?;
        let mi: u64 = f.next().unwrap_or("0").parse().map_err(|_| bad())?;
        let s: u64 = f.next().unwrap_or("0").parse().map_err(|_| bad())?;
        if h > 23 || mi > 59 || s > 60 {
            return Err(bad());
        }
        secs += h * 3600 + mi * 60 + s;
    }
    Ok(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_767_225_599), "2025-12-31T23:59:59Z");
        assert_eq!(parse_since("2000-02-29", 0), Ok(951_782_400));
        assert_eq!(parse_since("2025-12-31T23:59:59Z", 0), Ok(1_767_225_599));
        assert_eq!(parse_since("2h", 10_000), Ok(10_000 - 7200));
        assert_eq!(parse_since("7d", 0), Ok(0));
        assert!(parse_since("yesterday", 0).is_err());
        assert!(parse_since("2026-13-01", 0).is_err());
        assert!(parse_since("", 0).is_err());
    }
}
