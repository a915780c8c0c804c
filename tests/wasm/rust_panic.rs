// Rust (wasm32-wasip1): a panic prints its message on stderr and aborts,
// which is a wasm `unreachable` trap (status 134 under wasmtime).
fn checked(values: &[u32], index: usize) -> u32 {
    values[index]
}

fn main() {
    println!("before the panic");
    let values = vec![1, 2, 3];
    let index = std::env::args().count() + 6;
    println!("{}", checked(&values, index));
}
