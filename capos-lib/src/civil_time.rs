//! Calendar arithmetic for the wall clock: days between the Unix epoch and
//! a proleptic-Gregorian civil date, and a checked conversion of an RTC
//! reading to Unix seconds.

/// Days from 1970-01-01 to `year-month-day` (negative before it).
/// `month` is 1..=12 and `day` 1..=31; the date is not otherwise checked.
pub const fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A date and time as a real-time clock reports it (already decoded from
/// BCD, 24-hour).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CivilTime {
    /// Full year, e.g. 2026.
    pub year: i64,
    /// 1..=12.
    pub month: u8,
    /// 1..=31.
    pub day: u8,
    /// 0..=23.
    pub hour: u8,
    /// 0..=59.
    pub minute: u8,
    /// 0..=59 (60 for a leap second is accepted).
    pub second: u8,
}

impl CivilTime {
    /// Unix seconds, or `None` if a field is out of range (a broken RTC).
    pub fn to_unix_seconds(&self) -> Option<i64> {
        let days_in_month = match self.month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if self.year % 4 == 0 && (self.year % 100 != 0 || self.year % 400 == 0) => 29,
            2 => 28,
            _ => return None,
        };
        if self.day == 0 || self.day > days_in_month || self.hour > 23 || self.minute > 59 || self.second > 60
        {
            return None;
        }
        let days = days_from_civil(self.year, i64::from(self.month), i64::from(self.day));
        Some(
            days * 86_400
                + i64::from(self.hour) * 3600
                + i64::from(self.minute) * 60
                + i64::from(self.second),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2026, 11, 25), 20_782);
        let t = CivilTime { year: 2026, month: 11, day: 25, hour: 9, minute: 30, second: 5 };
        assert_eq!(t.to_unix_seconds(), Some(1_795_599_005));
    }

    #[test]
    fn every_day_follows_the_previous() {
        // Two centuries on the host; a few years under Miri (slow).
        let years = if cfg!(miri) { 1999..2002 } else { 1900..2101 };
        let mut previous = days_from_civil(years.start - 1, 12, 31);
        let last = years.end - 1;
        for year in years {
            for month in 1..=12u8 {
                for day in 1..=31u8 {
                    let t = CivilTime { year, month, day, hour: 0, minute: 0, second: 0 };
                    if let Some(seconds) = t.to_unix_seconds() {
                        let days = seconds / 86_400;
                        assert_eq!(days, previous + 1, "{year}-{month}-{day}");
                        previous = days;
                    }
                }
            }
        }
        assert_eq!(previous, days_from_civil(last, 12, 31));
    }

    #[test]
    fn broken_readings_are_rejected() {
        let ok = CivilTime { year: 2024, month: 2, day: 29, hour: 23, minute: 59, second: 59 };
        assert!(ok.to_unix_seconds().is_some(), "leap day");
        assert_eq!(CivilTime { year: 2023, ..ok }.to_unix_seconds(), None, "no Feb 29 in 2023");
        assert_eq!(CivilTime { year: 2100, ..ok }.to_unix_seconds(), None, "2100 is not a leap year");
        assert_eq!(CivilTime { month: 13, ..ok }.to_unix_seconds(), None);
        assert_eq!(CivilTime { month: 0, ..ok }.to_unix_seconds(), None);
        assert_eq!(CivilTime { day: 0, ..ok }.to_unix_seconds(), None);
        assert_eq!(CivilTime { hour: 24, ..ok }.to_unix_seconds(), None);
        assert_eq!(CivilTime { minute: 60, ..ok }.to_unix_seconds(), None);
    }
}
