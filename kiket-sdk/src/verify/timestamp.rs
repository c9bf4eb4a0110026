//! The two timestamp forms of a signature header: unix seconds (the platform) and ISO-8601
//! (the first Python SDK's legacy scheme only).

use super::VerifyError;

/// Parses `X-Kiket-Timestamp`: ASCII digits only (no sign, space, decimal point), fits in i64.
pub fn parse_unix_timestamp(value: &[u8]) -> Result<i64, VerifyError> {
    if value.is_empty() || value.len() > 18 || !value.iter().all(u8::is_ascii_digit) {
        return Err(VerifyError::InvalidTimestamp);
    }
    // At most 18 digits always fits in i64.
    Ok(value.iter().fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0')))
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` into unix seconds (legacy scheme only).
pub(super) fn parse_iso8601(raw: &[u8]) -> Result<i64, VerifyError> {
    let text = std::str::from_utf8(raw).map_err(|_| VerifyError::InvalidTimestamp)?;
    let bad = || VerifyError::InvalidTimestamp;
    let num = |s: &str| -> Result<i64, VerifyError> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse().map_err(|_| bad())
    };
    if text.len() < 20 || text.as_bytes()[10] != b'T' && text.as_bytes()[10] != b't' {
        return Err(bad());
    }
    let (date, rest) = text.split_at(10);
    let mut date_parts = date.split('-');
    let (year, month, day) = match (date_parts.next(), date_parts.next(), date_parts.next(), date_parts.next()) {
        (Some(y), Some(m), Some(d), None) if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
            (num(y)?, num(m)?, num(d)?)
        }
        _ => return Err(bad()),
    };
    let rest = &rest[1..];
    let time = rest.get(..8).ok_or_else(bad)?;
    let mut time_parts = time.split(':');
    let (hour, minute, second) = match (time_parts.next(), time_parts.next(), time_parts.next()) {
        (Some(h), Some(m), Some(s)) if h.len() == 2 && m.len() == 2 && s.len() == 2 => (num(h)?, num(m)?, num(s)?),
        _ => return Err(bad()),
    };
    let mut zone = &rest[8..];
    if let Some(fraction) = zone.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(bad());
        }
        zone = &fraction[digits..];
    }
    let offset = match zone {
        "Z" | "z" => 0,
        _ if zone.len() == 6 && zone.as_bytes()[3] == b':' => {
            let sign = match zone.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return Err(bad()),
            };
            sign * (num(&zone[1..3])? * 3600 + num(&zone[4..6])? * 60)
        }
        _ => return Err(bad()),
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return Err(bad());
    }
    Ok(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}
