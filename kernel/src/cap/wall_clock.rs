//! `WallClock`: calendar time from the CMOS real-time clock read at boot,
//! advanced by the monotonic clock. Nothing vouches for the RTC, so every
//! reading says `untrusted`.

use capos_abi::error::CapError;
use capos_schema::{TimeProvenance, interface_id, method, wall_clock};
use core::sync::atomic::{AtomicI64, Ordering};
use x86_64::instructions::port::Port;

use super::{Call, CapObject, Outcome, reply_with};

/// Unix seconds at boot, from the RTC (`i64::MIN` if it could not be read).
static BOOT_UNIX_SECONDS: AtomicI64 = AtomicI64::new(i64::MIN);

fn cmos(register: u8) -> u8 {
    let mut index = Port::<u8>::new(0x70);
    let mut data = Port::<u8>::new(0x71);
    // SAFETY: the CMOS index/data ports exist on every PC; bit 7 of the
    // index (NMI disable) is left clear; only RTC registers are read.
    unsafe {
        index.write(register & 0x7F);
        data.read()
    }
}

fn read_rtc_once() -> [u8; 7] {
    while cmos(0x0A) & 0x80 != 0 {
        core::hint::spin_loop();
    }
    [cmos(0x00), cmos(0x02), cmos(0x04), cmos(0x07), cmos(0x08), cmos(0x09), cmos(0x32)]
}

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Reads the RTC once at boot.
pub fn init() {
    // Read until two consecutive readings agree (an update may intervene).
    let mut reading = read_rtc_once();
    for _ in 0..5 {
        let again = read_rtc_once();
        if again == reading {
            break;
        }
        reading = again;
    }
    let status_b = cmos(0x0B);
    let bcd = status_b & 0x04 == 0;
    let decode = |v: u8| if bcd { (v & 0x0F) + (v >> 4) * 10 } else { v };
    let [sec, min, hour_raw, day, month, year, century] = reading;
    let mut hour = decode(hour_raw & 0x7F);
    if status_b & 0x02 == 0 && hour_raw & 0x80 != 0 {
        hour = (hour % 12) + 12;
    }
    let century = match decode(century) {
        19..=21 => i64::from(decode(century)),
        _ => 20,
    };
    let year = century * 100 + i64::from(decode(year));
    let (month, day) = (i64::from(decode(month)), i64::from(decode(day)));
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return;
    }
    let days = days_from_civil(year, month, day);
    let seconds =
        days * 86_400 + i64::from(hour) * 3600 + i64::from(decode(min)) * 60 + i64::from(decode(sec));
    let uptime = (crate::time::uptime_ns() / 1_000_000_000) as i64;
    BOOT_UNIX_SECONDS.store(seconds - uptime, Ordering::Relaxed);
}

/// The wall-clock capability.
pub struct WallClock;

impl CapObject for WallClock {
    fn interface_id(&self) -> u64 {
        interface_id::WALL_CLOCK
    }

    fn call(&self, call: Call<'_>) -> Outcome {
        if call.method != method::wall_clock::NOW {
            return Outcome::Error(CapError::UnknownMethod);
        }
        let boot = BOOT_UNIX_SECONDS.load(Ordering::Relaxed);
        let (base, provenance) =
            if boot == i64::MIN { (0, TimeProvenance::Unset) } else { (boot, TimeProvenance::Untrusted) };
        let uptime = crate::time::uptime_ns();
        reply_with(|m| {
            let mut r = m.init_root::<wall_clock::now_results::Builder<'_>>();
            r.set_seconds(base + (uptime / 1_000_000_000) as i64);
            r.set_nanos((uptime % 1_000_000_000) as u32);
            r.set_provenance(provenance);
            Ok(())
        })
        .into()
    }
}
