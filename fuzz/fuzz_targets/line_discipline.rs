//! `capos_lib::line_discipline` driven by arbitrary input: the first bytes
//! choose modes and read sizes, the rest is typed. Every byte typed and
//! every byte read is accounted for: what reads return never exceeds what
//! was typed, ready input stays within its bound, and a read never
//! returns more than it was asked for.
#![no_main]

use capos_lib::line_discipline::{LineDiscipline, MAX_READY, Mode, ReadOutcome};
use libfuzzer_sys::fuzz_target;

fn mode(bits: u8) -> Mode {
    Mode { canonical: bits & 1 != 0, echo: bits & 2 != 0, signals: bits & 4 != 0, tostop: bits & 8 != 0 }
}

fuzz_target!(|data: &[u8]| {
    let Some((&head, rest)) = data.split_first() else { return };
    let mut ld = LineDiscipline::new(mode(head), head & 8 != 0).unwrap();
    let mut buf = vec![0u8; MAX_READY];
    let mut typed = 0usize;
    let mut read = 0usize;
    let mut echo = Vec::new();
    for chunk in rest.chunks(17) {
        let (&control, bytes) = chunk.split_first().unwrap_or((&0, &[]));
        for &b in bytes {
            if ld.can_accept() {
                ld.input(b, &mut echo);
                typed += 1;
            }
        }
        if control & 0x10 != 0 {
            ld.set_mode(mode(control));
        }
        let max = usize::from(control >> 5) * 37 + 1;
        let expected = ld.next_read(max);
        if let Some(outcome) = ld.read(&mut buf[..max]) {
            assert_eq!(Some(outcome), expected);
            if let ReadOutcome::Data(n) = outcome {
                assert!(n > 0 && n <= max);
                read += n;
            }
        }
        // Echo is bounded by what was typed: a byte's own echo (at most
        // `^C\r\n`, or a bell when it does not fit) plus erasing it once
        // (`\b \b` twice for `^X`).
        assert!(echo.len() <= typed * 10);
        echo.clear();
        // `\r` may become `\n` and lines may lose bytes, never gain them.
        assert!(read <= typed);
    }
    while let Some(outcome) = ld.read(&mut buf) {
        match outcome {
            ReadOutcome::Data(n) => read += n,
            // Piped input's end is read again by every read.
            ReadOutcome::EndOfFile => break,
        }
    }
    assert!(read <= typed);
});
