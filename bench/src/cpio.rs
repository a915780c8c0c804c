//! A cpio archive writer in the "newc" format (the one the Linux kernel
//! unpacks as an initramfs): enough for the Linux peer's initramfs, built
//! without host root, `cpio` or `fakeroot` (every entry is owned by root).

use std::io::{self, Write};

/// One archive entry.
pub enum Entry<'a> {
    /// A directory.
    Dir { path: &'a str },
    /// A regular file with `mode`'s permission bits.
    File { path: &'a str, mode: u32, data: &'a [u8] },
    /// A symbolic link to `target`.
    Symlink { path: &'a str, target: &'a str },
    /// A character device (`dev/console` must exist before the kernel
    /// starts `/init`, which has no devtmpfs yet).
    CharDev { path: &'a str, major: u32, minor: u32 },
}

/// Writes newc archives, numbering inodes from 1.
pub struct Writer<W: Write> {
    out: W,
    offset: usize,
    inode: u32,
}

impl<W: Write> Writer<W> {
    /// A writer into `out`.
    pub fn new(out: W) -> Self {
        Writer { out, offset: 0, inode: 0 }
    }

    /// Appends `entry`. Paths are relative to the archive's root (`bin/sh`).
    pub fn add(&mut self, entry: &Entry<'_>) -> io::Result<()> {
        let (path, mode, data, rdev) = match entry {
            Entry::Dir { path } => (*path, 0o040_755, &[][..], (0, 0)),
            Entry::File { path, mode, data } => (*path, 0o100_000 | (mode & 0o7777), *data, (0, 0)),
            Entry::Symlink { path, target } => (*path, 0o120_777, target.as_bytes(), (0, 0)),
            Entry::CharDev { path, major, minor } => (*path, 0o020_600, &[][..], (*major, *minor)),
        };
        self.inode += 1;
        let nlink = if matches!(entry, Entry::Dir { .. }) { 2 } else { 1 };
        self.record(self.inode, mode, nlink, path, data, rdev)
    }

    /// Writes the `TRAILER!!!` record and returns the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.record(0, 0, 1, "TRAILER!!!", &[], (0, 0))?;
        Ok(self.out)
    }

    fn record(
        &mut self,
        inode: u32,
        mode: u32,
        nlink: u32,
        path: &str,
        data: &[u8],
        (rdev_major, rdev_minor): (u32, u32),
    ) -> io::Result<()> {
        let size = u32::try_from(data.len()).map_err(|_| io::Error::other("a cpio entry over 4 GiB"))?;
        let name_size =
            u32::try_from(path.len() + 1).map_err(|_| io::Error::other("a cpio name too long"))?;
        // magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor,
        // devminor, rdevmajor, rdevminor, namesize, check: 8 hex digits each.
        let header = format!(
            "070701{inode:08x}{mode:08x}{:08x}{:08x}{nlink:08x}{:08x}{size:08x}{:08x}{:08x}{rdev_major:08x}{rdev_minor:08x}{name_size:08x}{:08x}",
            0, 0, 0, 0, 0, 0
        );
        self.write(header.as_bytes())?;
        self.write(path.as_bytes())?;
        self.write(&[0])?;
        self.pad()?;
        self.write(data)?;
        self.pad()
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.offset += bytes.len();
        Ok(())
    }

    /// Pads to a multiple of 4 bytes, as newc aligns names and data.
    fn pad(&mut self) -> io::Result<()> {
        let zeros = (4 - self.offset % 4) % 4;
        self.write(&[0; 3][..zeros])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(record: &[u8], index: usize) -> u32 {
        let start = 6 + index * 8;
        u32::from_str_radix(std::str::from_utf8(&record[start..start + 8]).unwrap(), 16).unwrap()
    }

    #[test]
    fn records_are_newc_and_four_byte_aligned() {
        let mut writer = Writer::new(Vec::new());
        writer.add(&Entry::Dir { path: "bin" }).unwrap();
        writer.add(&Entry::File { path: "init", mode: 0o755, data: b"#!/bin/sh\n" }).unwrap();
        writer.add(&Entry::Symlink { path: "bin/sh", target: "busybox" }).unwrap();
        let out = writer.finish().unwrap();
        assert_eq!(out.len() % 4, 0);
        // The directory: header (110 bytes), "bin\0" (4), no data.
        assert_eq!(&out[..6], b"070701");
        assert_eq!(field(&out, 1), 0o040_755);
        assert_eq!(field(&out, 11), 4);
        assert_eq!(&out[110..114], b"bin\0");
        // The file: name "init\0" padded to 116+? -> next record at 4-aligned offset.
        let file = &out[116..];
        assert_eq!(&file[..6], b"070701");
        assert_eq!(field(file, 1), 0o100_755);
        assert_eq!(field(file, 6), 10);
        assert_eq!(&file[110..115], b"init\0");
        // 110 + 5 = 115, padded to 116; data 10 bytes, padded to 12.
        assert_eq!(&file[116..126], b"#!/bin/sh\n");
        let link = &file[128..];
        assert_eq!(field(link, 1), 0o120_777);
        assert_eq!(&link[110 + 7..][..2], b"\0\0");
        assert!(out.windows(10).any(|w| w == b"TRAILER!!!"));
    }

    #[test]
    fn round_trips_through_the_host_cpio_if_present() {
        let Ok(status) = std::process::Command::new("cpio").arg("--version").output() else { return };
        if !status.status.success() {
            return;
        }
        let mut writer = Writer::new(Vec::new());
        writer.add(&Entry::Dir { path: "d" }).unwrap();
        writer.add(&Entry::File { path: "d/f", mode: 0o644, data: b"abc" }).unwrap();
        writer.add(&Entry::CharDev { path: "d/console", major: 5, minor: 1 }).unwrap();
        let out = writer.finish().unwrap();
        let mut child = std::process::Command::new("cpio")
            .args(["-t", "--quiet"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&out).unwrap();
        let listed = child.wait_with_output().unwrap();
        assert_eq!(String::from_utf8_lossy(&listed.stdout), "d\nd/f\nd/console\n");
    }
}
