// Rust (wasm32-wasip1, std::io): lines from stdin to stdout, uppercased
// and numbered, a count on stderr. The input ends with a newline: after a
// last line without one, `lines()` reads again past the end of file, and
// capOS's terminal does not repeat its end of file (docs/wasi.md).
use std::io::{self, BufRead, Write};

fn main() {
    let stdin = io::stdin();
    let mut out = io::stdout().lock();
    let mut count = 0;
    let mut bytes = 0;
    for line in stdin.lock().lines() {
        let line = line.expect("stdin");
        count += 1;
        bytes += line.len();
        writeln!(out, "{count:3}: {}", line.to_uppercase()).unwrap();
    }
    out.flush().unwrap();
    eprintln!("{count} lines, {bytes} bytes");
}
