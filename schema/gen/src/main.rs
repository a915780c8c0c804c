//! `capos-schema-gen [--out DIR]`: runs the Cap'n Proto compiler (`capnp`,
//! Debian package `capnproto`) with the `capnpc` crate's Rust generator on
//! `schema/capos.capnp` and writes `capos_capnp.rs` into DIR (default: the
//! checked-in `schema/src/`). `tools/check-generated-capnp.sh` runs it into a
//! temporary directory and compares.
//!
//! capnpc's interface code (client/server glue we do not use, but cannot
//! turn off) names `Box` and `.to_string()` through the std prelude, which a
//! `no_std` crate lacks. [`make_no_std`] imports both from `alloc` at the top
//! of every interface module; everything else is capnpc's output unchanged.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: capos-schema-gen [--out DIR]";

fn main() -> ExitCode {
    // This crate lives in schema/gen; the schema is one level up.
    let schema_dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default();
    let mut out = schema_dir.join("src");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => match args.next() {
                Some(dir) => out = PathBuf::from(dir),
                None => {
                    eprintln!("capos-schema-gen: --out needs a directory\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("capos-schema-gen: unknown argument {other:?}\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("capos-schema-gen: cannot create {}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    let result = capnpc::CompilerCommand::new()
        .src_prefix(&schema_dir)
        .file(schema_dir.join("capos.capnp"))
        .output_path(&out)
        .run();
    let file = out.join("capos_capnp.rs");
    let result = result.map_err(|e| e.to_string()).and_then(|()| fix_file(&file));
    match result {
        Ok(()) => {
            println!("capos-schema-gen: wrote {}", file.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("capos-schema-gen: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The line capnpc puts first in every interface module (and nowhere else).
const INTERFACE_MARKER: &str = "    #![allow(unused_variables)]";

/// What [`make_no_std`] adds after each [`INTERFACE_MARKER`].
const ALLOC_IMPORTS: &str = "    #[allow(unused_imports)]
    use ::alloc::boxed::Box;
    #[allow(unused_imports)]
    use ::alloc::string::ToString;";

/// Makes capnpc's output build in a `no_std` + `alloc` crate (see the file
/// comment). Fails when capnpc's output no longer looks as expected.
fn make_no_std(code: &str) -> Result<String, String> {
    let mut out = String::with_capacity(code.len() + 4096);
    let mut interfaces = 0;
    for line in code.lines() {
        out.push_str(line);
        out.push('\n');
        if line == INTERFACE_MARKER {
            out.push_str(ALLOC_IMPORTS);
            out.push('\n');
            interfaces += 1;
        }
    }
    if interfaces == 0 {
        return Err(format!(
            "capnpc output has no interface module marker {INTERFACE_MARKER:?}; \
             the capnpc version changed: update make_no_std"
        ));
    }
    Ok(out)
}

fn fix_file(file: &Path) -> Result<(), String> {
    let code = std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let fixed = make_no_std(&code)?;
    std::fs::write(file, fixed).map_err(|e| format!("cannot write {}: {e}", file.display()))
}
