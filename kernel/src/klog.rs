//! Leveled kernel logging: a `log` crate backend that writes
//! `[ SSSS.mmm] LEVEL target: message` lines to the serial console.
//!
//! Use the `log` macros (`log::info!`, `log::warn!`, …) everywhere in the
//! kernel. The maximum level is `Info` by default; the `loglevel=LEVEL`
//! kernel command-line option changes it.

use core::fmt::Write;
use log::{Level, LevelFilter, Log, Metadata, Record};

struct SerialLogger;

static LOGGER: SerialLogger = SerialLogger;

impl Log for SerialLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let uptime_ms = crate::time::uptime_ms();
        let level = match record.level() {
            Level::Error => "ERROR",
            Level::Warn => "WARN ",
            Level::Info => "INFO ",
            Level::Debug => "DEBUG",
            Level::Trace => "TRACE",
        };
        let target = record.target().strip_prefix("capos_kernel::").unwrap_or(record.target());
        crate::serial::with_writer(|w| {
            let _ = writeln!(
                w,
                "[{:5}.{:03}] {level} {target}: {}",
                uptime_ms / 1000,
                uptime_ms % 1000,
                record.args()
            );
        });
    }

    fn flush(&self) {}
}

/// Installs the logger at `level`.
pub fn init(level: LevelFilter) {
    // A second call keeps the first logger; only the level changes.
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(level);
}

/// Parses a `loglevel=` value.
pub fn parse_level(value: &str) -> Option<LevelFilter> {
    Some(match value {
        "off" => LevelFilter::Off,
        "error" => LevelFilter::Error,
        "warn" => LevelFilter::Warn,
        "info" => LevelFilter::Info,
        "debug" => LevelFilter::Debug,
        "trace" => LevelFilter::Trace,
        _ => return None,
    })
}
