//! `--file HOST:/guest/path[:rw]` and `--dir HOSTDIR:/guest/path[:rw]`:
//! parsing the specs, checking guest paths, and reading the host files
//! into the [`NamedFile`]s the boot manifest carries.

use std::fs;
use std::path::{Path, PathBuf};

use capos_config::manifest::{MAX_PATH_LEN, NamedFile};

/// Which option a spec came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `--file`: one host file.
    File,
    /// `--dir`: every regular file below a host directory.
    Dir,
}

impl Kind {
    /// The option's name.
    pub fn option(self) -> &'static str {
        match self {
            Kind::File => "--file",
            Kind::Dir => "--dir",
        }
    }
}

/// One parsed `--file` or `--dir`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// The option it came from.
    pub kind: Kind,
    /// The host file or directory (relative to the current directory).
    pub host: PathBuf,
    /// The guest path (`--dir`: the prefix; `/` allowed, no trailing `/`
    /// otherwise).
    pub guest: String,
    /// `:rw` was given.
    pub writable: bool,
}

/// Parses `HOST:/guest/path`, optionally followed by `:rw` (writable) or
/// `:ro` (read-only, the default).
///
/// The host part ends at the last `:/` (so a host path may contain `:`,
/// a guest path may not contain `:/`).
pub fn parse(kind: Kind, spec: &str) -> Result<Mapping, String> {
    let option = kind.option();
    let usage = || format!("{option} {spec:?}: expected HOST:/guest/path or HOST:/guest/path:rw");
    let (rest, writable) = if let Some(rest) = spec.strip_suffix(":rw") {
        (rest, true)
    } else if let Some(rest) = spec.strip_suffix(":ro") {
        (rest, false)
    } else {
        (spec, false)
    };
    let (host, guest) = match rest.rfind(":/") {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => match rest.rfind(':') {
            // `host:relative/path`: say what is wrong with the guest path.
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => return Err(usage()),
        },
    };
    if host.is_empty() {
        return Err(format!("{}: the host path is empty", usage()));
    }
    let guest = check_guest_path(kind, guest).map_err(|why| format!("{option} {spec:?}: {why}"))?;
    Ok(Mapping { kind, host: PathBuf::from(host), guest, writable })
}

/// Checks a guest path and returns it normalised (`--dir` prefixes lose a
/// trailing `/`, except `/` itself).
pub fn check_guest_path(kind: Kind, path: &str) -> Result<String, String> {
    if path.is_empty() {
        return Err("the guest path is empty".into());
    }
    if !path.starts_with('/') {
        return Err(format!("the guest path {path:?} is not absolute"));
    }
    if path.contains('\0') {
        return Err(format!("the guest path {path:?} contains a NUL byte"));
    }
    let trimmed = match kind {
        Kind::Dir if path.len() > 1 => path.strip_suffix('/').unwrap_or(path),
        _ => path,
    };
    if trimmed == "/" {
        return match kind {
            Kind::Dir => Ok("/".into()),
            Kind::File => Err("the guest path \"/\" names a directory, not a file".into()),
        };
    }
    for component in trimmed[1..].split('/') {
        match component {
            "" => {
                return Err(format!(
                    "the guest path {path:?} has an empty component (`//` or a trailing `/`)"
                ));
            }
            "." | ".." => return Err(format!("the guest path {path:?} has a `{component}` component")),
            _ => {}
        }
    }
    if trimmed.len() > MAX_PATH_LEN {
        return Err(format!("the guest path {path:?} is longer than {MAX_PATH_LEN} bytes"));
    }
    Ok(trimmed.to_string())
}

/// Reads every mapping's host files into boot files, in command-line
/// order (a directory's files sorted by path). Fails on a missing or
/// unreadable host file, a `--file` that is a directory or a `--dir`
/// that is not one, a file name that is not UTF-8, a guest path that is
/// too long, and a guest path produced twice.
pub fn collect(mappings: &[Mapping]) -> Result<Vec<NamedFile>, String> {
    let mut files: Vec<(NamedFile, String)> = Vec::new();
    for mapping in mappings {
        let option = mapping.kind.option();
        let origin = format!("{option} {}", mapping.host.display());
        let meta = fs::metadata(&mapping.host)
            .map_err(|e| format!("{origin}: cannot read `{}`: {e}", mapping.host.display()))?;
        let mut found = Vec::new();
        match mapping.kind {
            Kind::File => {
                if !meta.is_file() {
                    return Err(format!("{origin}: `{}` is not a regular file", mapping.host.display()));
                }
                found.push((mapping.host.clone(), mapping.guest.clone()));
            }
            Kind::Dir => {
                if !meta.is_dir() {
                    return Err(format!(
                        "{origin}: `{}` is not a directory (use --file for a file)",
                        mapping.host.display()
                    ));
                }
                walk(&mapping.host, &mapping.guest, &mut found).map_err(|e| format!("{origin}: {e}"))?;
            }
        }
        for (host, guest) in found {
            let guest = check_guest_path(Kind::File, &guest).map_err(|e| format!("{origin}: {e}"))?;
            if let Some((_, earlier)) = files.iter().find(|(f, _)| f.path == guest) {
                return Err(format!("the guest path {guest} is given twice (by {earlier} and {origin})"));
            }
            let data =
                fs::read(&host).map_err(|e| format!("{origin}: cannot read `{}`: {e}", host.display()))?;
            files.push((
                NamedFile { path: guest, data, writable: mapping.writable, symlink: String::new() },
                origin.clone(),
            ));
        }
    }
    Ok(files.into_iter().map(|(f, _)| f).collect())
}

/// Every regular file below `dir` (following symbolic links to files, not
/// to directories), with its guest path below `prefix`, sorted.
fn walk(dir: &Path, prefix: &str, out: &mut Vec<(PathBuf, String)>) -> Result<(), String> {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .map_err(|e| format!("cannot list `{}`: {e}", dir.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("cannot list `{}`: {e}", dir.display()))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            return Err(format!("`{}`: the file name is not UTF-8", path.display()));
        };
        let guest = if prefix == "/" { format!("/{name}") } else { format!("{prefix}/{name}") };
        let kind = entry.file_type().map_err(|e| format!("`{}`: {e}", path.display()))?;
        if kind.is_dir() {
            walk(&path, &guest, out)?;
        } else if kind.is_file() || (kind.is_symlink() && fs::metadata(&path).is_ok_and(|m| m.is_file())) {
            out.push((path, guest));
        }
        // Anything else (sockets, FIFOs, devices, links to directories or
        // to nothing) has no place in a manifest of plain files.
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(spec: &str) -> Result<Mapping, String> {
        parse(Kind::File, spec)
    }

    #[test]
    fn parses_host_guest_and_mode() {
        let m = file("./README.md:/tmp/r").unwrap();
        assert_eq!((m.host, m.guest.as_str(), m.writable), (PathBuf::from("./README.md"), "/tmp/r", false));
        assert!(file("a:/b:rw").unwrap().writable);
        assert!(!file("a:/b:ro").unwrap().writable);
        // The host part ends at the last `:/`; a host path may hold `:`.
        let m = file("we:ird:/x/y").unwrap();
        assert_eq!((m.host, m.guest.as_str()), (PathBuf::from("we:ird"), "/x/y"));
        let m = parse(Kind::Dir, "./t:/t/").unwrap();
        assert_eq!((m.host, m.guest.as_str()), (PathBuf::from("./t"), "/t"));
        assert_eq!(parse(Kind::Dir, "t:/").unwrap().guest, "/");
    }

    #[test]
    fn rejects_bad_specs() {
        for (spec, needle) in [
            ("README.md", "expected HOST:/guest/path"),
            (":/x", "host path is empty"),
            ("a:tmp/r", "not absolute"),
            ("a:", "empty"),
            ("a:/x/../y", "`..` component"),
            ("a:/x/./y", "`.` component"),
            ("a:/x//y", "empty component"),
            ("a:/x/", "empty component"),
            ("a:/", "names a directory"),
        ] {
            let error = file(spec).unwrap_err();
            assert!(error.contains(needle), "{spec}: {error}");
            assert!(error.starts_with("--file "), "{error}");
        }
        let long = format!("a:/{}", "x".repeat(MAX_PATH_LEN));
        assert!(file(&long).unwrap_err().contains("longer than"));
        assert!(parse(Kind::Dir, "d:/a/../b").unwrap_err().starts_with("--dir "));
    }

    #[test]
    fn collects_files_and_directories() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        fs::write(root.join("one"), b"first").unwrap();
        fs::create_dir_all(root.join("d/sub")).unwrap();
        fs::write(root.join("d/b.txt"), b"bee").unwrap();
        fs::write(root.join("d/a.txt"), b"ay").unwrap();
        fs::write(root.join("d/sub/c"), b"sea").unwrap();
        std::os::unix::fs::symlink(root.join("one"), root.join("d/link")).unwrap();
        std::os::unix::fs::symlink(root.join("d/sub"), root.join("d/dirlink")).unwrap();
        std::os::unix::fs::symlink(root.join("nothing"), root.join("d/dangling")).unwrap();
        let mappings = [
            Mapping { kind: Kind::File, host: root.join("one"), guest: "/etc/one".into(), writable: false },
            Mapping { kind: Kind::Dir, host: root.join("d"), guest: "/t".into(), writable: true },
        ];
        let files = collect(&mappings).unwrap();
        let got: Vec<(&str, &[u8], bool)> =
            files.iter().map(|f| (f.path.as_str(), f.data.as_slice(), f.writable)).collect();
        assert_eq!(
            got,
            [
                ("/etc/one", &b"first"[..], false),
                ("/t/a.txt", b"ay", true),
                ("/t/b.txt", b"bee", true),
                ("/t/link", b"first", true),
                ("/t/sub/c", b"sea", true),
            ]
        );
    }

    #[test]
    fn collect_errors_name_the_problem() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        fs::write(root.join("f"), b"x").unwrap();
        let map = |kind, host: &str, guest: &str| Mapping {
            kind,
            host: root.join(host),
            guest: guest.into(),
            writable: false,
        };
        let missing = collect(&[map(Kind::File, "missing", "/m")]).unwrap_err();
        assert!(missing.contains("cannot read") && missing.contains("missing"), "{missing}");
        let not_file = collect(&[map(Kind::File, ".", "/m")]).unwrap_err();
        assert!(not_file.contains("not a regular file"), "{not_file}");
        let not_dir = collect(&[map(Kind::Dir, "f", "/m")]).unwrap_err();
        assert!(not_dir.contains("not a directory"), "{not_dir}");
        let twice = collect(&[map(Kind::File, "f", "/m"), map(Kind::File, "f", "/m")]).unwrap_err();
        assert!(twice.contains("given twice"), "{twice}");
        fs::create_dir(root.join("deep")).unwrap();
        fs::write(root.join("deep").join("y".repeat(200)), b"").unwrap();
        let long = collect(&[map(Kind::Dir, "deep", &format!("/{}", "z".repeat(100)))]).unwrap_err();
        assert!(long.contains("longer than"), "{long}");
    }
}
