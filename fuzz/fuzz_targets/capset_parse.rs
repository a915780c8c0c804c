//! `CapSet::parse` on arbitrary bytes, and on a valid region with the
//! input XORed over it. An accepted region must expose only valid data
//! through every accessor, and rebuilding it with `CapSetWriter` must give
//! a region that parses to the same contents.
#![no_main]

use capos_config::capset::{
    CapEntry, CapSet, CapSetWriter, MAX_CAPS, MAX_NAME_LEN, ProcessInfo, StringTable,
};
use libfuzzer_sys::fuzz_target;

fn template() -> Vec<u8> {
    let caps = [
        CapEntry { name: "console", cap_id: 0x0001_0000, interface_id: 11 },
        CapEntry { name: "timer", cap_id: 0x0001_0001, interface_id: 22 },
    ];
    let info = ProcessInfo { ring_addr: 1, heap_addr: 2, heap_size: 3, pid: 4, stack_top: 5, stack_size: 6 };
    let w = CapSetWriter::new(&caps, &["init", "-v"], &["HOME=/"], info);
    let mut out = vec![0u8; w.size()];
    w.write(&mut out).expect("template is valid");
    out
}

/// Every string of a table, checking the accessors agree.
fn strings<'a>(bytes: &[u8], table: StringTable<'a>) -> Vec<&'a str> {
    let all: Vec<&str> = table.iter().collect();
    assert_eq!(all.len(), table.len(), "parse validated every string");
    assert_eq!(table.is_empty(), all.is_empty());
    for (i, s) in all.iter().enumerate() {
        assert_eq!(table.get(i), Some(*s));
        let at = table.offset_of(i).expect("index in range");
        assert_eq!(&bytes[at..at + s.len()], s.as_bytes());
        assert_eq!(bytes[at + s.len()], 0, "NUL-terminated in place");
    }
    assert_eq!(table.get(all.len()), None);
    assert_eq!(table.offset_of(all.len()), None);
    all
}

fn run(bytes: &[u8]) {
    let set = match CapSet::parse(bytes) {
        Ok(set) => set,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let caps: Vec<CapEntry> = set.caps().collect();
    assert!(caps.len() <= MAX_CAPS);
    for (i, c) in caps.iter().enumerate() {
        assert!(!c.name.is_empty() && c.name.len() <= MAX_NAME_LEN);
        assert!(c.name.bytes().all(|b| b.is_ascii_graphic()));
        assert_eq!(set.find(c.name), Some(*c), "names are unique");
        assert!(caps[..i].iter().all(|o| o.name != c.name));
    }
    let args = strings(bytes, set.args());
    let env = strings(bytes, set.env());
    let info = set.info();

    // Rebuild and compare. The writer refuses strings with an inner NUL
    // (C code would see them cut short); the parser accepts them, so such
    // regions cannot be rebuilt: skip the comparison for them.
    if args.iter().chain(&env).any(|s| s.contains('\0')) {
        return;
    }
    let writer = CapSetWriter::new(&caps, &args, &env, info);
    if writer.size() > capos_config::capset::MAX_BOOTSTRAP_SIZE {
        return; // strings shared in the input are duplicated by the writer
    }
    let mut out = vec![0u8; writer.size()];
    let n = writer.write(&mut out).expect("parsed contents can be written back");
    let again = CapSet::parse(&out[..n]).expect("written region parses");
    assert_eq!(again.caps().collect::<Vec<_>>(), caps);
    assert_eq!(again.args().iter().collect::<Vec<_>>(), args);
    assert_eq!(again.env().iter().collect::<Vec<_>>(), env);
    assert_eq!(again.info(), info);
}

fuzz_target!(|data: &[u8]| {
    run(data);
    let mut region = template();
    for (i, b) in data.iter().enumerate() {
        match region.get_mut(i) {
            Some(t) => *t ^= b,
            None => region.push(*b),
        }
    }
    if data.is_empty() {
        assert!(CapSet::parse(&region).is_ok(), "the template must be valid");
    }
    run(&region);
});
