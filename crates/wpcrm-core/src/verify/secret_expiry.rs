//! The `secret_expiry` check: the client secret is not about to expire.
//!
//! No request: the date is the caller's `secret_expires_at` (Graph's `passwordCredentials`
//! `endDateTime`, <https://learn.microsoft.com/graph/api/resources/passwordcredential>). A pass
//! gives the days left; a warn (`secret_expiring`) means under 30 days; a fail means it expired
//! (`secret_expired`) or the date is not ISO 8601 (`invalid_secret_expiry`); without a date the
//! check is skipped (`docs/verify.md`).

use super::outcome::Outcome;
use crate::diagnosis::app;
use crate::report::CheckStatus;

/// A secret expiring within this many days is a warning.
pub const SECRET_EXPIRY_WARNING_DAYS: i64 = 30;

/// Expired → fail, under 30 days → warn, else pass; absent → skip.
pub fn check(raw: Option<&str>, now: time::OffsetDateTime) -> Outcome {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Outcome::skip("The secret's expiry date was not given.").id("secret_expiry.skip");
    };
    let Some(at) = parse_iso8601(raw) else {
        return Outcome::fail(app::invalid_secret_expiry(raw));
    };
    let date = at.date();
    if at <= now {
        return Outcome::fail(app::secret_expired(date));
    }
    let days = (at - now).whole_days();
    if days < SECRET_EXPIRY_WARNING_DAYS {
        return Outcome::with(CheckStatus::Warn, app::secret_expiring(date, days));
    }
    Outcome::pass(format!("The client secret is valid until {date} ({days} days)."))
        .id("secret_expiry.pass")
        .param("expires_at", date)
        .param("days", days)
}

fn parse_iso8601(raw: &str) -> Option<time::OffsetDateTime> {
    use time::format_description::well_known::{Iso8601, Rfc3339};
    if let Ok(t) = time::OffsetDateTime::parse(raw, &Rfc3339) {
        return Some(t);
    }
    if let Ok(t) = time::OffsetDateTime::parse(raw, &Iso8601::DEFAULT) {
        return Some(t);
    }
    // A date and time without offset (Graph sometimes omits it): UTC.
    if let Ok(t) = time::PrimitiveDateTime::parse(raw, &Iso8601::DEFAULT) {
        return Some(t.assume_utc());
    }
    let date = time::Date::parse(raw, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
    Some(date.midnight().assume_utc())
}
