// Rust (wasm32-wasip1, std::time and thread::sleep): the monotonic clock
// never goes back, a sleep lasts at least as asked (poll_oneoff), and the
// wall clock is after 2020.
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn main() {
    let mut last = Instant::now();
    let mut backwards = 0;
    for _ in 0..10_000 {
        let now = Instant::now();
        if now < last {
            backwards += 1;
        }
        last = now;
    }
    println!("monotonic went back: {backwards} times");
    for ms in [1u64, 20, 50] {
        let start = Instant::now();
        thread::sleep(Duration::from_millis(ms));
        let slept = start.elapsed();
        println!("sleep {ms} ms lasted at least that: {}", slept >= Duration::from_millis(ms));
    }
    let since = SystemTime::now().duration_since(UNIX_EPOCH).expect("after 1970");
    println!("wall clock after 2020: {}", since.as_secs() > 1_577_836_800);
}
