//! `mkmanifest`: build the capOS boot manifest from a CUE system
//! description.
//!
//! ```text
//! mkmanifest --cue system-schema.cue --cue system.cue \
//!            [--bin-dir DIR]... [--bin NAME=PATH]... [--file-root DIR] \
//!            [--node NODE] [--cue-export SCRIPT] [--depfile FILE] --out manifest.bin
//! mkmanifest --json exported.json [same options] --out manifest.bin
//! ```
//!
//! Exit status: 0 when the manifest was written, 1 when the configuration
//! is wrong (CUE's or mkmanifest's errors, with file:line), 2 for a usage
//! error. See the library documentation for the steps.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgGroup, Parser};
use mkmanifest::{BinarySources, CueExporter, Input, Options, run};

#[derive(Parser)]
#[command(
    name = "mkmanifest",
    about = "Build the capOS boot manifest (Cap'n Proto SystemManifest) from system.cue",
    group(ArgGroup::new("input").required(true).args(["cue", "json"]))
)]
struct Cli {
    /// A CUE file; repeat to unify several (schema first, e.g.
    /// --cue system-schema.cue --cue system.cue).
    #[arg(long, value_name = "FILE")]
    cue: Vec<PathBuf>,
    /// Read JSON already exported by CUE instead of running CUE.
    #[arg(long, value_name = "FILE", conflicts_with = "cue")]
    json: Option<PathBuf>,
    /// Directory holding binaries as DIR/NAME; repeat to search several in
    /// order.
    #[arg(long = "bin-dir", value_name = "DIR")]
    bin_dirs: Vec<PathBuf>,
    /// The file for binary NAME (wins over --bin-dir); repeatable.
    #[arg(long = "bin", value_name = "NAME=PATH", value_parser = parse_bin)]
    bins: Vec<(String, PathBuf)>,
    /// Base directory of files' `source` paths [default: the directory of
    /// the last --cue or --json file].
    #[arg(long, value_name = "DIR")]
    file_root: Option<PathBuf>,
    /// The Node.js executable that runs CUE.
    #[arg(long, value_name = "NODE", default_value = "node")]
    node: PathBuf,
    /// The CUE exporter script [default: tools/cue/cue-export.js of this
    /// source tree].
    #[arg(long = "cue-export", value_name = "SCRIPT")]
    cue_export: Option<PathBuf>,
    /// Where to write the manifest.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Also write a make rule naming every file the manifest was built
    /// from (CUE files, files' sources, binaries), like `gcc -MD`.
    #[arg(long, value_name = "FILE")]
    depfile: Option<PathBuf>,
    /// Print nothing on success.
    #[arg(long, short)]
    quiet: bool,
}

fn parse_bin(s: &str) -> Result<(String, PathBuf), String> {
    match s.split_once('=') {
        Some((name, path)) if !name.is_empty() && !path.is_empty() => {
            Ok((name.to_string(), PathBuf::from(path)))
        }
        _ => Err(format!("expected NAME=PATH, got {s:?}")),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let input = match cli.json {
        Some(json) => Input::Json(json),
        None => Input::Cue(cli.cue),
    };
    let options = Options {
        input,
        bins: BinarySources { dirs: cli.bin_dirs, explicit: cli.bins },
        file_root: cli.file_root,
        out: cli.out.clone(),
        cue: CueExporter {
            node: cli.node.into_os_string(),
            script: cli.cue_export.unwrap_or_else(CueExporter::default_script),
        },
        depfile: cli.depfile,
    };
    match run(&options) {
        Ok(summary) => {
            if !cli.quiet {
                eprintln!("mkmanifest: wrote {}: {summary}", cli.out.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("mkmanifest: {e}");
            ExitCode::FAILURE
        }
    }
}
