//! The file commands (`ls`, `cat`, `write`, `mkdir`, `rm`, `cd`) through
//! the shell's `fs` cap (a `Directory`, the file system's root). Paths are
//! relative to the current directory unless they start with `/`.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use capos::prelude::*;

use crate::{STATUS_USAGE, Shell};

/// The root directory, or an error printed for `command`.
fn root(shell: &Shell, command: &str) -> Option<Borrowed<'static, Directory>> {
    let dir = Directory::from_caps(&shell.caps, "fs").ok();
    if dir.is_none() {
        shell.error(&format!("{command}: no file system (this shell holds no `fs` cap)"));
    }
    dir
}

/// `path` made absolute against the current directory and normalised
/// (`.` dropped, `..` applied, never above `/`).
pub fn absolute(cwd: &str, path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let joined = if path.starts_with('/') { String::from(path) } else { format!("{cwd}/{path}") };
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let mut out = String::from("/");
    out.push_str(&parts.join("/"));
    out
}

fn fail(shell: &Shell, command: &str, path: &str, e: CapError) -> i32 {
    shell.error(&format!("{command}: {path}: {e}"));
    1
}

/// `ls [PATH]`.
pub fn ls(shell: &mut Shell, args: &[&str]) -> i32 {
    let Some(dir) = root(shell, "ls") else { return 1 };
    let path = absolute(&shell.cwd, args.first().copied().unwrap_or("."));
    match dir.stat(&path) {
        Ok(info) if info.kind == NodeKind::File => {
            let _ = shell.out.line(&format!("{path} ({} bytes)", info.size));
            return 0;
        }
        Ok(_) => {}
        Err(e) => return fail(shell, "ls", &path, e),
    }
    match dir.list(&path) {
        Ok(entries) => {
            let mut text = String::new();
            for e in entries {
                match e.kind {
                    NodeKind::Directory => text.push_str(&format!("{}/\n", e.name)),
                    NodeKind::File => text.push_str(&format!("{:<24} {:>10}\n", e.name, e.size)),
                    NodeKind::Symlink => text.push_str(&format!("{}@\n", e.name)),
                }
            }
            let _ = shell.out.print(&text);
            0
        }
        Err(e) => fail(shell, "ls", &path, e),
    }
}

/// `cat PATH...`.
pub fn cat(shell: &mut Shell, args: &[&str]) -> i32 {
    if args.is_empty() {
        shell.error("usage: cat PATH...");
        return STATUS_USAGE;
    }
    let Some(dir) = root(shell, "cat") else { return 1 };
    let mut status = 0;
    for arg in args {
        let path = absolute(&shell.cwd, arg);
        let result = dir.open(&path, &OpenOptions::new()).and_then(|file| {
            let copied = copy_out(shell, &file);
            let _ = file.close();
            copied
        });
        if let Err(e) = result {
            status = fail(shell, "cat", &path, e);
        }
    }
    status
}

/// Copies a file to standard output in chunks.
fn copy_out(shell: &Shell, file: &capos::fs::File) -> Result<(), CapError> {
    loop {
        let data = file.read(capos::fs::MAX_IO as u32)?;
        if data.is_empty() {
            return Ok(());
        }
        shell.out.write(&data)?;
    }
}

/// `write [-a] PATH TEXT...`.
pub fn write(shell: &mut Shell, args: &[&str]) -> i32 {
    let (append, args) = match args {
        ["-a", rest @ ..] => (true, rest),
        _ => (false, args),
    };
    let Some((path, words)) = args.split_first() else {
        shell.error("usage: write [-a] PATH TEXT...");
        return STATUS_USAGE;
    };
    let Some(dir) = root(shell, "write") else { return 1 };
    let path = absolute(&shell.cwd, path);
    let mut text = words.join(" ");
    text.push('\n');
    let options = OpenOptions::new().write(true).create(true).append(append).truncate(!append);
    let result = dir.open(&path, &options).and_then(|file| {
        let written = file.write_all(text.as_bytes());
        let _ = file.close();
        written
    });
    match result {
        Ok(()) => 0,
        Err(e) => fail(shell, "write", &path, e),
    }
}

/// `mkdir PATH`.
pub fn mkdir(shell: &mut Shell, args: &[&str]) -> i32 {
    let [path] = args else {
        shell.error("usage: mkdir PATH");
        return STATUS_USAGE;
    };
    let Some(dir) = root(shell, "mkdir") else { return 1 };
    let path = absolute(&shell.cwd, path);
    dir.mkdir(&path).map_or_else(|e| fail(shell, "mkdir", &path, e), |()| 0)
}

/// `rm PATH`.
pub fn rm(shell: &mut Shell, args: &[&str]) -> i32 {
    let [path] = args else {
        shell.error("usage: rm PATH");
        return STATUS_USAGE;
    };
    let Some(dir) = root(shell, "rm") else { return 1 };
    let path = absolute(&shell.cwd, path);
    dir.remove(&path).map_or_else(|e| fail(shell, "rm", &path, e), |()| 0)
}

/// `cd [PATH]`.
pub fn cd(shell: &mut Shell, args: &[&str]) -> i32 {
    let path = absolute(&shell.cwd, args.first().copied().unwrap_or("/"));
    let Some(dir) = root(shell, "cd") else { return 1 };
    match dir.stat(&path) {
        Ok(info) if info.kind == NodeKind::Directory => {
            shell.cwd = path;
            0
        }
        Ok(_) => fail(shell, "cd", &path, CapError::NotADirectory),
        Err(e) => fail(shell, "cd", &path, e),
    }
}

/// `call fs list|stat PATH`.
pub fn call(
    _shell: &Shell,
    cap: u32,
    method: &str,
    args: &[&str],
) -> Result<Result<Vec<String>, CapError>, i32> {
    let dir = Borrowed::<Directory>::from_id(cap);
    let path = args.first().copied().unwrap_or("");
    Ok(match method {
        "list" => dir.list(path).map(|entries| {
            entries
                .into_iter()
                .map(|e| format!("entries = {{name = {:?}, kind = {:?}, size = {}}}", e.name, e.kind, e.size))
                .collect()
        }),
        _ => dir.stat(path).map(|i| {
            alloc::vec![
                format!("kind = {:?}", i.kind),
                format!("size = {}", i.size),
                format!("writable = {}", i.writable)
            ]
        }),
    })
}
