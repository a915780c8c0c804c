//! Byte counts as services take them on their command lines (`16M`,
//! `4096`, `1G`): the file service's quotas, and `capos run`, which raises
//! them to make room for the files it carries in.

/// `123`, `64K`, `16M`, `1G` (powers of 1024, either case) as bytes;
/// `None` for anything else or on overflow.
pub fn parse_size(text: &str) -> Option<u64> {
    let (digits, shift) = match text.as_bytes().last()? {
        b'K' | b'k' => (&text[..text.len() - 1], 10),
        b'M' | b'm' => (&text[..text.len() - 1], 20),
        b'G' | b'g' => (&text[..text.len() - 1], 30),
        _ => (text, 0),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u64>().ok()?.checked_mul(1 << shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("0"), Some(0));
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("64K"), Some(64 << 10));
        assert_eq!(parse_size("16m"), Some(16 << 20));
        assert_eq!(parse_size("1G"), Some(1 << 30));
        for bad in ["", "M", "-1", "+1", "1.5M", "1T", "12 ", "18446744073709551615K"] {
            assert_eq!(parse_size(bad), None, "{bad:?}");
        }
    }
}
