//! Path parsing. A path is split on `/`; empty components and `.` are
//! skipped, `..` is kept as [`Component::Parent`] (the tree resolves it,
//! never above the handle's root). A component is 1 to [`MAX_NAME`] bytes
//! without NUL; a whole path is at most [`MAX_PATH`] bytes. Anything else
//! is `InvalidArgument`.

use alloc::vec::Vec;
use capos_abi::error::CapError;

/// Longest component, in bytes.
pub const MAX_NAME: usize = 255;
/// Longest path, in bytes.
pub const MAX_PATH: usize = 4096;

/// One meaningful step of a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component<'a> {
    /// A name to look up in the current directory.
    Name(&'a str),
    /// `..`: the parent directory (the root's parent is the root).
    Parent,
}

/// A parsed path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path<'a> {
    /// The steps, in order.
    pub components: Vec<Component<'a>>,
    /// Whether the path must name a directory: it ends with `/`, `.` or
    /// `..` (`a/`, `a/.`).
    pub dir_only: bool,
}

impl<'a> Path<'a> {
    /// Parses `path` (see the module docs).
    pub fn parse(path: &'a str) -> Result<Self, CapError> {
        if path.len() > MAX_PATH || path.bytes().any(|b| b == 0) {
            return Err(CapError::InvalidArgument);
        }
        let mut components = Vec::new();
        let mut dir_only = false;
        for raw in path.split('/') {
            dir_only = matches!(raw, "" | "." | "..");
            match raw {
                "" | "." => {}
                ".." => push(&mut components, Component::Parent)?,
                name if name.len() > MAX_NAME => return Err(CapError::InvalidArgument),
                name => push(&mut components, Component::Name(name))?,
            }
        }
        Ok(Self { components, dir_only: dir_only && !path.is_empty() })
    }

    /// The final name and the components before it, when the path ends
    /// with a name (`a/b` → `([a], b)`); `None` for a path that names a
    /// directory by `..` or names the starting directory itself (``, `.`,
    /// `a/..`).
    pub fn split_last(&self) -> Option<(&[Component<'a>], &'a str)> {
        match self.components.split_last() {
            Some((Component::Name(name), rest)) => Some((rest, name)),
            _ => None,
        }
    }

    /// Whether the path has no `..` (boot paths and writable directories
    /// must be plain).
    pub fn is_plain(&self) -> bool {
        self.components.iter().all(|c| matches!(c, Component::Name(_)))
    }
}

/// `path` taken from directory `base` (an absolute path such as `/` or
/// `/home/me`): `path` itself when it starts with `/`, else `base/path`.
/// Nothing is resolved: the file service resolves `..` itself (and checks
/// that each step is a directory).
pub fn join(base: &str, path: &str) -> alloc::string::String {
    let mut joined = alloc::string::String::with_capacity(base.len() + path.len() + 1);
    if !path.starts_with('/') {
        joined.push_str(base);
        if !joined.ends_with('/') {
            joined.push('/');
        }
    }
    joined.push_str(path);
    joined
}

/// The absolute, canonical spelling of `path` read from the root: `/`,
/// or `/a/b` with no `.`, `..`, empty or trailing components (`..` of the
/// root is the root). Lexical: call it for a path the file service has
/// just found to be a directory (as `chdir` does), so `..` cannot have
/// followed a file.
pub fn normalize(path: &str) -> Result<alloc::string::String, CapError> {
    let parsed = Path::parse(path)?;
    let mut names: Vec<&str> = Vec::new();
    for c in parsed.components {
        match c {
            Component::Name(name) => names.push(name),
            Component::Parent => {
                names.pop();
            }
        }
    }
    let mut out = alloc::string::String::new();
    for name in &names {
        out.push('/');
        out.push_str(name);
    }
    if out.is_empty() {
        out.push('/');
    }
    Ok(out)
}

fn push<'a>(components: &mut Vec<Component<'a>>, c: Component<'a>) -> Result<(), CapError> {
    components.try_reserve(1).map_err(|_| CapError::OutOfMemory)?;
    components.push(c);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{Component::*, MAX_NAME, MAX_PATH, Path, join, normalize};

    #[test]
    fn join_keeps_absolute_paths_and_prefixes_relative_ones() {
        assert_eq!(join("/", "a/b"), "/a/b");
        assert_eq!(join("/home", "a"), "/home/a");
        assert_eq!(join("/home/", "../a"), "/home/../a");
        assert_eq!(join("/home", "/etc/motd"), "/etc/motd");
        assert_eq!(join("/home", ""), "/home/");
    }

    #[test]
    fn normalize_is_lexical_and_stays_at_the_root() {
        assert_eq!(normalize("/").unwrap(), "/");
        assert_eq!(normalize("").unwrap(), "/");
        assert_eq!(normalize("/a/./b//c/").unwrap(), "/a/b/c");
        assert_eq!(normalize("/a/b/../c").unwrap(), "/a/c");
        assert_eq!(normalize("/../../a/..").unwrap(), "/");
        assert_eq!(normalize("a/b").unwrap(), "/a/b");
        assert!(normalize("/a\0b").is_err());
        assert!(normalize(&"x".repeat(MAX_NAME + 1)).is_err());
    }
    use capos_abi::error::CapError;

    #[test]
    fn splits_and_skips() {
        let p = Path::parse("/a//./b/../c").unwrap();
        assert_eq!(p.components, [Name("a"), Name("b"), Parent, Name("c")]);
        assert!(!p.dir_only);
        assert_eq!(p.split_last(), Some((&[Name("a"), Name("b"), Parent][..], "c")));
        assert!(!p.is_plain());
        assert!(Path::parse("a/b").unwrap().is_plain());
    }

    #[test]
    fn empty_dot_and_root_name_the_start() {
        for s in ["", ".", "/", "//", "./.", "a/.."] {
            let p = Path::parse(s).unwrap();
            assert_eq!(p.split_last(), None, "{s:?}");
        }
        assert!(!Path::parse("").unwrap().dir_only);
        for s in ["a/", "a/.", "a/..", "/", "."] {
            assert!(Path::parse(s).unwrap().dir_only, "{s:?}");
        }
    }

    #[test]
    fn limits() {
        let name = "x".repeat(MAX_NAME);
        assert!(Path::parse(&name).is_ok());
        assert_eq!(Path::parse(&"x".repeat(MAX_NAME + 1)), Err(CapError::InvalidArgument));
        let long = "a/".repeat(MAX_PATH / 2);
        assert_eq!(long.len(), MAX_PATH);
        assert!(Path::parse(&long).is_ok());
        assert_eq!(Path::parse(&format!("{long}a")), Err(CapError::InvalidArgument));
        assert_eq!(Path::parse("a\0b"), Err(CapError::InvalidArgument));
    }
}
