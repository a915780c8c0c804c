// Rust (wasm32-wasip1, std::fs) inside the preopened /tmp: create, write,
// read, append, seek, set_len, metadata, rename, copy, directories, and
// the io::ErrorKind of failures.
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};

fn main() -> std::io::Result<()> {
    fs::write("/tmp/a.txt", "hello, rust\n")?;
    println!("read_to_string: {:?}", fs::read_to_string("/tmp/a.txt")?);
    let mut f = OpenOptions::new().append(true).open("/tmp/a.txt")?;
    f.write_all(b"more\n")?;
    drop(f);
    println!("after append: {:?}", fs::read_to_string("/tmp/a.txt")?);

    let mut f = OpenOptions::new().read(true).write(true).open("/tmp/a.txt")?;
    println!("seek end: {}", f.seek(SeekFrom::End(0))?);
    println!("seek 7: {}", f.seek(SeekFrom::Start(7))?);
    f.write_all(b"RUST")?;
    println!("stream_position: {}", f.stream_position()?);
    f.seek(SeekFrom::Start(0))?;
    let mut s = String::new();
    f.read_to_string(&mut s)?;
    println!("whole: {s:?}");
    f.set_len(5)?;
    println!("len after set_len(5): {}", f.metadata()?.len());
    drop(f);

    let meta = fs::metadata("/tmp/a.txt")?;
    println!("is_file {} is_dir {} len {} readonly {}", meta.is_file(), meta.is_dir(), meta.len(), meta.permissions().readonly());

    fs::create_dir_all("/tmp/d/e/f")?;
    for i in 0..5 {
        fs::write(format!("/tmp/d/file{i}"), vec![b'x'; i * 100])?;
    }
    fs::rename("/tmp/a.txt", "/tmp/d/e/moved.txt")?;
    println!("copy: {}", fs::copy("/tmp/d/file4", "/tmp/d/copy")?);
    let mut names: Vec<(String, bool, u64)> = fs::read_dir("/tmp/d")?
        .map(|e| {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            (e.file_name().into_string().unwrap(), m.is_dir(), if m.is_dir() { 0 } else { m.len() })
        })
        .collect();
    names.sort();
    println!("read_dir /tmp/d: {names:?}");
    println!("moved: {:?}", fs::read_to_string("/tmp/d/e/moved.txt")?);

    println!("open missing: {:?}", File::open("/tmp/nope").map_err(|e| e.kind()).err());
    println!("create_new existing: {:?}", OpenOptions::new().write(true).create_new(true).open("/tmp/d/copy").map_err(|e| e.kind()).err());
    println!("remove_dir non-empty: {:?}", fs::remove_dir("/tmp/d").map_err(|e| e.kind()).err());
    println!("read_dir of a file: {:?}", fs::read_dir("/tmp/d/copy").map_err(|e| e.kind()).err());
    println!("outside the preopen: {:?}", File::open("/etc/passwd").map_err(|e| e.kind()).err());
    println!("escape with ..: {:?}", File::open("/tmp/../x").map_err(|e| e.kind()).err());

    fs::remove_file("/tmp/d/copy")?;
    fs::remove_dir_all("/tmp/d")?;
    println!("after remove_dir_all: exists {}", fs::metadata("/tmp/d").is_ok());
    Ok(())
}
