// Rust (wasm32-wasip1, std): arguments, the environment, stdout and stderr,
// and an exit code through std::process::exit.
use std::env;
use std::io::Write;
use std::process;

fn main() {
    let args: Vec<String> = env::args().collect();
    println!("argc {}", args.len());
    for (i, arg) in args.iter().enumerate() {
        println!("argv[{i}] = {arg:?}");
    }
    let mut vars: Vec<(String, String)> = env::vars().collect();
    vars.sort();
    for (key, value) in &vars {
        println!("env {key}={value:?}");
    }
    println!("GREETING: {:?}", env::var("GREETING"));
    println!("MISSING: {:?}", env::var("MISSING").is_err());
    println!("current_dir: {:?}", env::current_dir().map(|p| p.display().to_string()).map_err(|e| e.kind()));
    eprintln!("to stderr");
    std::io::stdout().flush().unwrap();
    process::exit(args.len() as i32 + 20);
}
