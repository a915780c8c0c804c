// Rust (wasm32-wasip1, std): the allocator under load (a Vec grown to
// 32 MiB, many small boxes), HashMap (its RandomState seeds from
// random_get), BTreeMap, sorting and formatting.
use std::collections::{BTreeMap, HashMap, HashSet};

fn main() {
    let mut big: Vec<u64> = Vec::new();
    for i in 0..(4u64 << 20) {
        big.push(i.wrapping_mul(2654435761) % 1000003);
    }
    let sum: u64 = big.iter().sum();
    println!("big: {} items, sum {sum}", big.len());
    big.sort_unstable();
    big.dedup();
    println!("distinct: {}", big.len());
    drop(big);

    let boxes: Vec<Box<[u8; 100]>> = (0..50_000).map(|i| Box::new([i as u8; 100])).collect();
    let total: u64 = boxes.iter().map(|b| u64::from(b[99])).sum();
    println!("boxes: {} total {total}", boxes.len());

    let text = "the quick brown fox jumps over the lazy dog the fox";
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for word in text.split_whitespace() {
        *counts.entry(word).or_default() += 1;
    }
    let sorted: BTreeMap<_, _> = counts.iter().collect();
    println!("counts: {sorted:?}");
    let set: HashSet<u32> = (0..1000).map(|i| i * 7 % 500).collect();
    println!("set: {}", set.len());
    println!("float: {:.6} {:e} {}", std::f64::consts::PI.sqrt(), 1.0e-7f64, (2.0f32).powf(0.5));
}
