//! Splitting a command line into words, as capos-shell does: words are
//! separated by blanks; `'...'` quotes everything literally; `"..."`
//! quotes with `\"` and `\\` escapes; a backslash outside quotes takes the
//! next byte literally; `#` at the start of a word begins a comment.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// Why a line could not be split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordsError {
    /// A quote was opened and not closed.
    UnterminatedQuote(char),
    /// The line ends with a lone backslash.
    TrailingBackslash,
}

impl fmt::Display for WordsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WordsError::UnterminatedQuote(q) => write!(f, "unterminated {q} quote"),
            WordsError::TrailingBackslash => f.write_str("line ends with a backslash"),
        }
    }
}

/// The words of `line`.
pub fn split_words(line: &str) -> Result<Vec<String>, WordsError> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                if in_word {
                    words.push(core::mem::take(&mut word));
                    in_word = false;
                }
            }
            '#' if !in_word => break,
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err(WordsError::UnterminatedQuote('\'')),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err(WordsError::UnterminatedQuote('"')),
                        },
                        Some(c) => word.push(c),
                        None => return Err(WordsError::UnterminatedQuote('"')),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.push(chars.next().ok_or(WordsError::TrailingBackslash)?);
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(line: &str) -> Vec<String> {
        split_words(line).unwrap()
    }

    #[test]
    fn blanks_separate_words() {
        assert_eq!(w("  ls   /tmp\t-l \n"), ["ls", "/tmp", "-l"]);
        assert!(w("").is_empty());
        assert!(w("   ").is_empty());
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(w("write /tmp/a 'hello  world'"), ["write", "/tmp/a", "hello  world"]);
        assert_eq!(w(r#"say "a \"b\" \\ \n""#), ["say", r#"a "b" \ \n"#]);
        assert_eq!(w(r"a\ b c"), ["a b", "c"]);
        assert_eq!(w("x''y \"\""), ["xy", ""]);
        assert_eq!(w("'#not' a#b # comment"), ["#not", "a#b"]);
    }

    #[test]
    fn errors() {
        assert_eq!(split_words("echo 'oops"), Err(WordsError::UnterminatedQuote('\'')));
        assert_eq!(split_words("echo \"oops"), Err(WordsError::UnterminatedQuote('"')));
        assert_eq!(split_words("echo \\"), Err(WordsError::TrailingBackslash));
    }
}
