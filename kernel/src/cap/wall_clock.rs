//! `WallClock`: calendar time from the CMOS real-time clock read at boot,
//! advanced by the monotonic clock. Nothing vouches for the RTC, so every
//! reading says `untrusted`.

use capos_abi::error::CapError;
use capos_lib::civil_time::CivilTime;
use capos_schema::{TimeProvenance, interface_id, method};
use core::sync::atomic::{AtomicI64, Ordering};
use x86_64::instructions::port::Port;

use super::{Call, CapObject, DataReply, Outcome};

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
    let reading = CivilTime {
        year: century * 100 + i64::from(decode(year)),
        month: decode(month),
        day: decode(day),
        hour,
        minute: decode(min),
        second: decode(sec),
    };
    let Some(seconds) = reading.to_unix_seconds() else {
        log::warn!("the real-time clock reads an impossible date ({reading:?}); wall clock starts at 1970");
        return;
    };
    let uptime = (crate::time::uptime_ns() / 1_000_000_000) as i64;
    BOOT_UNIX_SECONDS.store(seconds - uptime, Ordering::Relaxed);
}

/// The wall-clock capability.
pub struct WallClock;

impl CapObject for WallClock {
    fn kernel_kind(&self) -> Option<capos_schema::KernelCap> {
        Some(capos_schema::KernelCap::WallClock)
    }

    fn interface_id(&self) -> u64 {
        interface_id::WALL_CLOCK
    }

    /// `now`, answered at once (its params only checked, in place).
    fn call_now(&self, method: u16, params: &[u8]) -> Option<Result<DataReply, CapError>> {
        (method == method::wall_clock::NOW).then(|| super::check_params(params).and_then(|()| now()))
    }

    fn call(&self, call: Call<'_>) -> Outcome {
        match self.call_now(call.method, call.params) {
            Some(result) => result.and_then(|data| data.reply()).into(),
            None => Outcome::Error(CapError::UnknownMethod),
        }
    }
}

/// `now_results` as laid out by the schema (checked against the builder by
/// capos-config's host tests): `seconds` in data word 0, `nanos` in the low
/// half of word 1 and `provenance` (UInt16) in the 16 bits above it.
fn now() -> Result<DataReply, CapError> {
    let boot = BOOT_UNIX_SECONDS.load(Ordering::Relaxed);
    let (base, provenance) =
        if boot == i64::MIN { (0, TimeProvenance::Unset) } else { (boot, TimeProvenance::Untrusted) };
    let uptime = crate::time::uptime_ns();
    let seconds = base + (uptime / 1_000_000_000) as i64;
    let nanos = (uptime % 1_000_000_000) as u32;
    DataReply::new(&[seconds as u64, u64::from(nanos) | u64::from(provenance as u16) << 32])
}
