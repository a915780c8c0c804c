//! Finding the line of a CUE source that defines a field path, so that
//! mkmanifest's own errors (those CUE cannot see: missing binaries,
//! unknown services, dependency cycles …) point at the source like CUE's do.
//!
//! The approach: a small, forgiving scanner reads each `.cue` file into a
//! tree of field labels, and a path such as
//! `services.hello.caps.clock.source` is looked up in it label by label.
//!
//! - Comments (`//`) and string contents are skipped; a quoted label
//!   (`"my-svc": …`) matches like a bare one.
//! - Shorthand chains (`hello: caps: console: source: "console"`) nest like
//!   braces.
//! - A field's children are the fields of every `{…}` in its value
//!   (`hello: #Service & {…}` works); `[…]` and `(…)` are skipped, so list
//!   indices in a path (`args[2]`) are ignored and the list's field is
//!   reported.
//! - CUE may define one field in several places (they unify); every
//!   occurrence is tried, in every file, and the one matching the most
//!   path components wins (later files win ties, so the system file beats
//!   the schema). When the full path is not written anywhere (a default,
//!   say), the line of its deepest written ancestor is reported.
//! - Pattern constraints (`[Name=string]: …`), comprehensions and other
//!   expressions contribute no labels of their own.
//!
//! It never fails: anything it does not understand is skipped, and the
//! worst outcome is no location or the line of an ancestor.

/// One `.cue` source: a display name (as given on the command line) and
/// its text.
#[derive(Debug, Clone)]
pub struct Source {
    /// The name errors show.
    pub name: String,
    /// The file's text.
    pub text: String,
}

/// A source line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The source's name.
    pub file: String,
    /// 1-based line number.
    pub line: usize,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A bare label or identifier (also `#Def`, `_hidden`).
    Ident(String),
    /// A string literal's contents.
    Str(String),
    /// One punctuation byte (`{ } [ ] ( ) : , ? ! & | …`).
    Punct(u8),
    Newline,
}

/// Splits CUE text into tokens with their 1-based line numbers.
fn tokenize(text: &str) -> Vec<(Tok, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' => {
                out.push((Tok::Newline, line));
                line += 1;
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' | b'\'' => {
                let start_line = line;
                let triple = b.get(i + 1) == Some(&c) && b.get(i + 2) == Some(&c);
                let mut content = Vec::new();
                i += if triple { 3 } else { 1 };
                while i < b.len() {
                    if b[i] == b'\\' {
                        content.extend_from_slice(&b[i..(i + 2).min(b.len())]);
                        i += 2;
                        continue;
                    }
                    if triple {
                        if b[i] == c && b.get(i + 1) == Some(&c) && b.get(i + 2) == Some(&c) {
                            i += 3;
                            break;
                        }
                    } else if b[i] == c || b[i] == b'\n' {
                        i += usize::from(b[i] == c);
                        break;
                    }
                    if b[i] == b'\n' {
                        line += 1;
                    }
                    content.push(b[i]);
                    i += 1;
                }
                out.push((Tok::Str(String::from_utf8_lossy(&content).into_owned()), start_line));
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c == b'#' || c == b'$' => {
                let start = i;
                i += 1;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$') {
                    i += 1;
                }
                out.push((Tok::Ident(String::from_utf8_lossy(&b[start..i]).into_owned()), line));
            }
            c if c.is_ascii_whitespace() => i += 1,
            c if c.is_ascii_punctuation() => {
                out.push((Tok::Punct(c), line));
                i += 1;
            }
            _ => i += 1, // digits, non-ASCII: irrelevant here
        }
    }
    out
}

/// A labelled field and the fields inside its value.
#[derive(Debug, Default)]
struct Field {
    label: String,
    line: usize,
    children: Vec<Field>,
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
}

impl Parser {
    fn peek(&self, ahead: usize) -> Option<&Tok> {
        self.toks.get(self.pos + ahead).map(|(t, _)| t)
    }

    /// A label (ident or string, optional `?`/`!`) followed by `:`?
    /// Returns the label and how many tokens it spans with its colon.
    fn label_here(&self) -> Option<(String, usize)> {
        let label = match self.peek(0)? {
            Tok::Ident(s) | Tok::Str(s) => s.clone(),
            _ => return None,
        };
        let mut n = 1;
        if matches!(self.peek(n), Some(Tok::Punct(b'?' | b'!'))) {
            n += 1;
        }
        (self.peek(n) == Some(&Tok::Punct(b':'))).then_some((label, n + 1))
    }

    /// Skips a balanced `[…]` or `(…)` starting at the current token.
    fn skip_group(&mut self) {
        let mut depth = 0usize;
        while let Some(t) = self.peek(0) {
            match t {
                Tok::Punct(b'[' | b'(' | b'{') => depth += 1,
                Tok::Punct(b']' | b')' | b'}') => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        self.pos += 1;
                        return;
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
    }

    /// Parses fields until a `}` at this level (consumed) or the end.
    fn struct_body(&mut self, depth: usize) -> Vec<Field> {
        let mut fields = Vec::new();
        while let Some(t) = self.peek(0) {
            match t {
                Tok::Punct(b'}') => {
                    self.pos += 1;
                    return fields;
                }
                Tok::Newline | Tok::Punct(b',') => self.pos += 1,
                _ => self.field(depth, &mut fields),
            }
        }
        fields
    }

    /// One field (`a: b: value`) or a label-less declaration (embedding,
    /// comprehension, `package`, pattern constraint): children of braces in
    /// a label-less declaration go to `out` directly.
    fn field(&mut self, depth: usize, out: &mut Vec<Field>) {
        let mut chain: Vec<Field> = Vec::new();
        loop {
            if let Some((label, n)) = self.label_here() {
                let line = self.toks[self.pos].1;
                chain.push(Field { label, line, children: Vec::new() });
                self.pos += n;
            } else if self.peek(0) == Some(&Tok::Punct(b'[')) {
                // A pattern constraint `[…]: value` (or a list value).
                let before = self.pos;
                self.skip_group();
                if self.peek(0) == Some(&Tok::Punct(b':')) {
                    self.pos += 1;
                    chain.push(Field::default()); // matches no label
                } else {
                    self.pos = before;
                    break;
                }
            } else {
                break;
            }
        }
        // The value: up to a newline or comma at this level.
        let mut children = Vec::new();
        while let Some(t) = self.peek(0) {
            match t {
                Tok::Newline | Tok::Punct(b',') => break,
                Tok::Punct(b'}') => break, // the enclosing struct ends
                Tok::Punct(b'{') if depth < 256 => {
                    self.pos += 1;
                    children.extend(self.struct_body(depth + 1));
                }
                Tok::Punct(b'[' | b'(' | b'{') => self.skip_group(),
                _ => self.pos += 1,
            }
        }
        // Fold the chain: a: b: c: {children}.
        let mut inner = children;
        match chain.pop() {
            None => out.extend(inner),
            Some(mut last) => {
                last.children = inner;
                inner = vec![last];
                while let Some(mut f) = chain.pop() {
                    f.children = inner;
                    inner = vec![f];
                }
                out.extend(inner);
            }
        }
    }
}

fn parse(text: &str) -> Vec<Field> {
    let mut p = Parser { toks: tokenize(text), pos: 0 };
    let mut fields = Vec::new();
    // A stray `}` at the top level ends struct_body early; keep going.
    while p.pos < p.toks.len() {
        fields.extend(p.struct_body(0));
    }
    fields
}

/// The labels of a field path: `services."my-svc".args[2]` gives
/// `services`, `my-svc`, `args`.
pub fn components(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = path.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            '.' => {
                chars.next();
            }
            '[' => {
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                }
            }
            '"' => {
                chars.next();
                let mut label = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => label.extend(chars.next()),
                        '"' => break,
                        c => label.push(c),
                    }
                }
                out.push(label);
            }
            _ => {
                let mut label = String::new();
                while let Some(&c) = chars.peek() {
                    if c == '.' || c == '[' {
                        break;
                    }
                    label.push(c);
                    chars.next();
                }
                out.push(label);
            }
        }
    }
    out
}

/// (components matched, line of the deepest) over every occurrence.
fn best(fields: &[Field], comps: &[String]) -> Option<(usize, usize)> {
    let first = comps.first()?;
    let mut found: Option<(usize, usize)> = None;
    for f in fields.iter().filter(|f| !f.label.is_empty() && &f.label == first) {
        let here = match best(&f.children, &comps[1..]) {
            Some((depth, line)) => (depth + 1, line),
            None => (1, f.line),
        };
        if found.is_none_or(|(d, _)| here.0 > d) {
            found = Some(here);
        }
    }
    found
}

/// Where `path` is written in `sources`; see the module doc.
pub fn locate(sources: &[Source], path: &str) -> Option<Location> {
    let comps = components(path);
    let mut found: Option<(usize, Location)> = None;
    for source in sources {
        if let Some((depth, line)) = best(&parse(&source.text), &comps)
            && found.as_ref().is_none_or(|(d, _)| depth >= *d)
        {
            found = Some((depth, Location { file: source.name.clone(), line }));
        }
    }
    found.map(|(_, loc)| loc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(name: &str, text: &str) -> Source {
        Source { name: name.into(), text: text.into() }
    }

    fn line_of(text: &str, path: &str) -> Option<usize> {
        locate(&[src("s.cue", text)], path).map(|l| l.line)
    }

    const SYSTEM: &str = r#"package capos

// services: decoy in a comment
services: {
	hello: caps: console: source: "console"

	clock: {
		caps: {
			console: source: "console"
			clock: source:   "clok" // typo
		}
		args: ["a", "b"]
		restart: "onFailure"
	}

	"my-svc": #Service & {
		dependsOn: ["x"]
	}
	stranger: {}
	faulter: caps: console: source: "console"
}

files: "/etc/motd": content: """
	services: not a label
	"""
services: hello: dependsOn: ["later"]
"#;

    #[test]
    fn finds_nested_and_shorthand_fields() {
        assert_eq!(line_of(SYSTEM, "services"), Some(4));
        assert_eq!(line_of(SYSTEM, "services.hello.caps.console.source"), Some(5));
        assert_eq!(line_of(SYSTEM, "services.clock.caps.clock.source"), Some(10));
        assert_eq!(line_of(SYSTEM, "services.clock.args[1]"), Some(12));
        assert_eq!(line_of(SYSTEM, "services.clock.restart"), Some(13));
        assert_eq!(line_of(SYSTEM, "services.\"my-svc\".dependsOn"), Some(17));
        assert_eq!(line_of(SYSTEM, "files.\"/etc/motd\""), Some(23));
        assert_eq!(line_of(SYSTEM, "services.faulter.caps"), Some(20));
    }

    #[test]
    fn falls_back_to_the_deepest_written_ancestor() {
        // stranger has no caps written: its own line, not faulter's caps.
        assert_eq!(line_of(SYSTEM, "services.stranger.caps"), Some(19));
        assert_eq!(line_of(SYSTEM, "services.clock.binary"), Some(7));
        assert_eq!(line_of(SYSTEM, "nothing.here"), None);
        assert_eq!(line_of(SYSTEM, ""), None);
    }

    #[test]
    fn tries_every_occurrence_of_a_field() {
        // hello's dependsOn is only in the second `services` block.
        assert_eq!(line_of(SYSTEM, "services.hello.dependsOn"), Some(26));
    }

    #[test]
    fn prefers_the_deepest_match_across_files_and_later_files_on_ties() {
        let schema = src("schema.cue", "#Service: {\n\tcaps: [string]: _\n}\nservices: [string]: #Service\n");
        let system = src("system.cue", "services: {\n\thello: caps: console: source: \"x\"\n}\n");
        let loc = locate(&[schema.clone(), system.clone()], "services.hello.caps.console").unwrap();
        assert_eq!(loc, Location { file: "system.cue".into(), line: 2 });
        assert_eq!(loc.to_string(), "system.cue:2");
        let loc = locate(&[system, schema], "services").unwrap();
        assert_eq!(loc.file, "schema.cue");
    }

    #[test]
    fn path_components() {
        assert_eq!(components("services.hello.caps"), ["services", "hello", "caps"]);
        assert_eq!(components("services.\"my-svc\".args[2]"), ["services", "my-svc", "args"]);
        assert_eq!(components("files.\"/a/\\\"b\""), ["files", "/a/\"b"]);
        assert_eq!(components("services[3].name"), ["services", "name"]);
        assert!(components("").is_empty());
    }

    #[test]
    fn never_fails_on_odd_text() {
        for text in
            ["}}}{{{", "a: [[[", "\"unterminated", "a: b: c:", "x: \"\"\"\nno end", "[x]: {a: 1}", "é: ü"]
        {
            let _ = line_of(text, "a.b.c");
        }
        assert_eq!(line_of("}\na: 1", "a"), Some(2));
        let deep = "a: {".repeat(1000);
        assert_eq!(line_of(&deep, "a.a.a"), Some(1));
    }
}
