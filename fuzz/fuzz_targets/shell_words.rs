//! `capos_lib::shell_words::split_words` on arbitrary text: it never
//! panics, and quoting every word it returns in single quotes (with `'`
//! written as `'\''`) splits back into the same words.
#![no_main]

use capos_lib::shell_words::split_words;
use libfuzzer_sys::fuzz_target;

fn quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', "'\\''"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else { return };
    let Ok(words) = split_words(line) else { return };
    let requoted: Vec<String> = words.iter().map(|w| quote(w)).collect();
    assert_eq!(split_words(&requoted.join(" ")).as_deref(), Ok(&words[..]));
});
