// Rust (wasm32-wasip1): `main` returning an error prints `Error: …` on
// stderr and exits 1.
use std::fs::File;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("opening a missing file");
    let value: i32 = "17".parse()?;
    println!("parsed {value}");
    File::open("/tmp/does-not-exist")?;
    println!("not reached");
    Ok(())
}
