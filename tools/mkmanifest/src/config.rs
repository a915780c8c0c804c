//! The system configuration as CUE exports it (JSON), mapped onto the
//! manifest model. Every field is checked for its type and unknown fields
//! are rejected, each error naming the field path:
//!
//! ```text
//! {
//!   "services": {                       // by name, in file order
//!     "NAME": {
//!       "binary":    "NAME",            // default: the service name
//!       "args":      ["..."],           // optional
//!       "env":       {"KEY": "VALUE"},  // optional
//!       "caps": {                       // optional, by cap name
//!         "CAP": {"source": "console"}                           // a kernel cap
//!         "CAP": {"source": {"service": "S", "export": "E"}}     // another service's export
//!       },
//!       "restart":   "never" | "onFailure" | "always",   // default never
//!       "dependsOn": ["SERVICE", ...],  // optional
//!       "memoryLimit": BYTES            // optional; 0 (default): the spawner's default
//!       "kernelMemoryLimit": BYTES      // optional; 0 (default): the spawner's default
//!     }
//!   },
//!   "binaries": ["NAME", ...],          // optional: extra binaries to carry
//!   "statusFrom": "SERVICE",            // optional: init exits with its status
//!   "files": {                          // optional, by absolute path
//!     "/PATH": {"content": "text"} | {"source": "host/path"} | {"binary": "NAME"}  // + "writable": bool
//!              | {"symlink": "TARGET"},
//!   }
//! }
//! ```

use capos_config::manifest::{CapDecl, CapSource, Export, KernelCap, RestartPolicy, Service, path_key};
use serde_json::{Map, Value};

use crate::Error;

/// Where a boot file's contents come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileContent {
    /// Inline text (`content`).
    Inline(String),
    /// A file on the build machine (`source`), relative to the file root.
    Source(String),
    /// The binary of that name (`binary`), found as the manifest's
    /// binaries are (`--bin-dir`, `--bin`): a program as a file, e.g.
    /// `/bin/sh`, which `exec` reads from the file service.
    Binary(String),
    /// No contents: the file is a symbolic link to this target
    /// (`symlink`).
    Symlink(String),
}

/// A boot file before its contents are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSpec {
    /// Absolute path in capOS.
    pub path: String,
    /// Where the contents come from.
    pub content: FileContent,
    /// Whether processes may change it.
    pub writable: bool,
}

/// A system configuration: the manifest without binary and file contents.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SystemConfig {
    /// The services, in file order.
    pub services: Vec<Service>,
    /// Binaries to carry besides the services' own.
    pub binaries: Vec<String>,
    /// Boot files.
    pub files: Vec<FileSpec>,
    /// The service whose exit status init exits with ("" for none).
    pub status_from: String,
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a struct",
    }
}

fn expected(path: &str, what: &str, v: &Value) -> Error {
    Error::at(path, format!("expected {what}, found {}", kind(v)))
}

fn object<'a>(path: &str, v: &'a Value, known: &[&str]) -> Result<&'a Map<String, Value>, Error> {
    let map = v.as_object().ok_or_else(|| expected(path, "a struct", v))?;
    if !known.is_empty()
        && let Some(k) = map.keys().find(|k| !known.contains(&k.as_str()))
    {
        return Err(Error::at(child(path, k), format!("unknown field (known: {})", known.join(", "))));
    }
    Ok(map)
}

fn string(path: &str, v: &Value) -> Result<String, Error> {
    v.as_str().map(str::to_string).ok_or_else(|| expected(path, "a string", v))
}

fn strings(path: &str, v: &Value) -> Result<Vec<String>, Error> {
    let list = v.as_array().ok_or_else(|| expected(path, "a list of strings", v))?;
    list.iter().enumerate().map(|(i, s)| string(&format!("{path}[{i}]"), s)).collect()
}

fn child(parent: &str, key: &str) -> String {
    let key = path_key(key);
    if parent.is_empty() { key[1..].to_string() } else { format!("{parent}{key}") }
}

fn kernel_cap_names() -> String {
    KernelCap::ALL.iter().map(|c| c.name()).collect::<Vec<_>>().join(", ")
}

fn cap_source(path: &str, v: &Value) -> Result<CapSource, Error> {
    match v {
        Value::String(name) => KernelCap::from_name(name).map(CapSource::Kernel).ok_or_else(|| {
            Error::at(path, format!("unknown kernel cap {name:?} (known: {})", kernel_cap_names()))
        }),
        Value::Object(_) => {
            let map = object(path, v, &["service", "export"])?;
            let field = |key: &str| {
                let at = child(path, key);
                map.get(key).ok_or_else(|| Error::at(&at, "missing field")).and_then(|v| string(&at, v))
            };
            Ok(CapSource::Service { service: field("service")?, export: field("export")? })
        }
        other => Err(expected(path, "a kernel cap name or {service, export}", other)),
    }
}

fn service(path: &str, name: &str, v: &Value) -> Result<Service, Error> {
    const KNOWN: [&str; 9] = [
        "binary",
        "args",
        "env",
        "caps",
        "restart",
        "dependsOn",
        "exports",
        "memoryLimit",
        "kernelMemoryLimit",
    ];
    let map = object(path, v, &KNOWN)?;
    let mut s = Service { name: name.to_string(), binary: name.to_string(), ..Service::default() };
    for (key, value) in map {
        let at = child(path, key);
        match key.as_str() {
            "binary" => s.binary = string(&at, value)?,
            "args" => s.args = strings(&at, value)?,
            "env" => {
                for (k, val) in object(&at, value, &[])? {
                    s.env.push(format!("{k}={}", string(&child(&at, k), val)?));
                }
            }
            "caps" => {
                for (cap, decl) in object(&at, value, &[])? {
                    let cap_at = child(&at, cap);
                    let decl_map = object(&cap_at, decl, &["source"])?;
                    let source_at = child(&cap_at, "source");
                    let source =
                        decl_map.get("source").ok_or_else(|| Error::at(&source_at, "missing field"))?;
                    s.caps.push(CapDecl { name: cap.clone(), source: cap_source(&source_at, source)? });
                }
            }
            "restart" => {
                let name = string(&at, value)?;
                s.restart = RestartPolicy::from_name(&name).ok_or_else(|| {
                    let known: Vec<&str> = RestartPolicy::ALL.iter().map(|p| p.name()).collect();
                    Error::at(&at, format!("unknown restart policy {name:?} (known: {})", known.join(", ")))
                })?;
            }
            "dependsOn" => s.depends_on = strings(&at, value)?,
            "memoryLimit" => {
                s.memory_limit = value.as_u64().ok_or_else(|| expected(&at, "a number of bytes", value))?;
            }
            "kernelMemoryLimit" => {
                s.kernel_memory_limit =
                    value.as_u64().ok_or_else(|| expected(&at, "a number of bytes", value))?;
            }
            "exports" => {
                for (name, decl) in object(&at, value, &[])? {
                    let e_at = child(&at, name);
                    let decl_map = object(&e_at, decl, &["interface"])?;
                    let i_at = child(&e_at, "interface");
                    let iface = string(
                        &i_at,
                        decl_map.get("interface").ok_or_else(|| Error::at(&i_at, "missing field"))?,
                    )?;
                    let info =
                        capos_schema::INTERFACES.iter().find(|i| i.name == iface).ok_or_else(|| {
                            let known: Vec<&str> = capos_schema::INTERFACES.iter().map(|i| i.name).collect();
                            Error::at(
                                &i_at,
                                format!("unknown interface {iface:?} (known: {})", known.join(", ")),
                            )
                        })?;
                    s.exports.push(Export { name: name.clone(), interface_id: info.id });
                }
            }
            _ => {} // object() has rejected every other key
        }
    }
    Ok(s)
}

fn file(path: &str, file_path: &str, v: &Value) -> Result<FileSpec, Error> {
    let map = object(path, v, &["content", "source", "binary", "symlink", "writable"])?;
    let content = match (map.get("content"), map.get("source"), map.get("binary"), map.get("symlink")) {
        (Some(c), None, None, None) => FileContent::Inline(string(&child(path, "content"), c)?),
        (None, Some(s), None, None) => FileContent::Source(string(&child(path, "source"), s)?),
        (None, None, Some(b), None) => FileContent::Binary(string(&child(path, "binary"), b)?),
        (None, None, None, Some(l)) => FileContent::Symlink(string(&child(path, "symlink"), l)?),
        (None, None, None, None) => {
            return Err(Error::at(path, "missing content, source, binary or symlink"));
        }
        _ => return Err(Error::at(path, "give one of content, source, binary and symlink, not more")),
    };
    let writable = match map.get("writable") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => return Err(expected(&child(path, "writable"), "a boolean", other)),
    };
    Ok(FileSpec { path: file_path.to_string(), content, writable })
}

impl SystemConfig {
    /// Maps CUE's JSON export onto a configuration (see the module doc).
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let value: Value = serde_json::from_str(json)
            .map_err(|e| Error::at("", format!("CUE's output is not JSON: {e}")))?;
        Self::from_value(&value)
    }

    /// Maps an already parsed JSON value.
    pub fn from_value(value: &Value) -> Result<Self, Error> {
        let top = object("", value, &["services", "binaries", "files", "statusFrom"]).map_err(|mut e| {
            if e.message.starts_with("unknown field") {
                e.message = "unknown top-level field (known: services, binaries, files, statusFrom)".into();
            }
            e
        })?;
        let mut config = SystemConfig::default();
        if let Some(services) = top.get("services") {
            for (name, v) in object("services", services, &[])? {
                config.services.push(service(&child("services", name), name, v)?);
            }
        }
        if let Some(binaries) = top.get("binaries") {
            config.binaries = strings("binaries", binaries)?;
        }
        if let Some(status_from) = top.get("statusFrom") {
            config.status_from = string("statusFrom", status_from)?;
        }
        if let Some(files) = top.get("files") {
            for (path, v) in object("files", files, &[])? {
                config.files.push(file(&child("files", path), path, v)?);
            }
        }
        Ok(config)
    }

    /// Every binary the manifest carries, each once, in order of first use,
    /// with the field path that first asked for it.
    pub fn binary_names(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let wanted = self
            .services
            .iter()
            .map(|s| (s.binary.clone(), format!("{}.binary", child("services", &s.name))))
            .chain(self.binaries.iter().enumerate().map(|(i, b)| (b.clone(), format!("binaries[{i}]"))));
        for (name, path) in wanted {
            if !out.iter().any(|(n, _)| *n == name) {
                out.push((name, path));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(json: &str) -> String {
        SystemConfig::from_json(json).unwrap_err().to_string()
    }

    #[test]
    fn maps_a_full_configuration() {
        let c = SystemConfig::from_json(
            r#"{
            "services": {
                "clock": {
                    "binary": "clockd", "args": ["-v"], "env": {"TZ": "UTC", "X": ""},
                    "caps": {"console": {"source": "console"}, "wall": {"source": "wallClock"},
                             "net": {"source": {"service": "hello", "export": "socket"}}},
                    "restart": "onFailure", "dependsOn": ["hello"]
                },
                "hello": {}
            },
            "binaries": ["extra", "clockd"],
            "files": {"/etc/motd": {"content": "hi", "writable": false},
                      "/data/x": {"source": "x.bin", "writable": true},
                      "/bin/cat": {"symlink": "busybox"}}
        }"#,
        )
        .unwrap();
        assert_eq!(c.services.len(), 2);
        let clock = &c.services[0];
        assert_eq!((clock.name.as_str(), clock.binary.as_str()), ("clock", "clockd"));
        assert_eq!(clock.args, ["-v"]);
        assert_eq!(clock.env, ["TZ=UTC", "X="]);
        assert_eq!(clock.restart, RestartPolicy::OnFailure);
        assert_eq!(clock.depends_on, ["hello"]);
        assert_eq!(clock.caps[0], CapDecl::kernel("console", KernelCap::Console));
        assert_eq!(clock.caps[1], CapDecl::kernel("wall", KernelCap::WallClock));
        assert_eq!(
            clock.caps[2].source,
            CapSource::Service { service: "hello".into(), export: "socket".into() }
        );
        let hello = &c.services[1];
        assert_eq!(hello.binary, "hello");
        assert_eq!(hello.restart, RestartPolicy::Never);
        assert!(hello.caps.is_empty() && hello.args.is_empty() && hello.env.is_empty());
        assert_eq!(
            c.binary_names(),
            [
                ("clockd".to_string(), "services.clock.binary".to_string()),
                ("hello".into(), "services.hello.binary".into()),
                ("extra".into(), "binaries[0]".into()),
            ]
        );
        assert_eq!(
            c.files[0],
            FileSpec { path: "/etc/motd".into(), content: FileContent::Inline("hi".into()), writable: false }
        );
        assert_eq!(c.files[1].content, FileContent::Source("x.bin".into()));
        assert!(c.files[1].writable);
        assert_eq!(c.files[2].content, FileContent::Symlink("busybox".into()));
    }

    /// `system-schema.cue` spells the kernel caps and restart policies
    /// exactly as the manifest model does.
    #[test]
    fn cue_schema_names_match_the_model() {
        let schema = include_str!("../../../system-schema.cue");
        let caps = schema
            .lines()
            .find_map(|l| l.strip_prefix("#KernelCap: =~\"^("))
            .and_then(|l| l.strip_suffix(")$\""))
            .expect("#KernelCap pattern in system-schema.cue");
        let model: Vec<&str> = KernelCap::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(caps.split('|').collect::<Vec<_>>(), model);
        let restart = schema
            .lines()
            .find_map(|l| l.trim().strip_prefix("restart: "))
            .expect("restart field in system-schema.cue");
        let names: Vec<&str> = restart.split(" | ").map(|n| n.trim_matches(['*', '"'])).collect();
        let model: Vec<&str> = RestartPolicy::ALL.iter().map(|p| p.name()).collect();
        assert_eq!(names, model);
    }

    #[test]
    fn empty_configuration() {
        assert_eq!(SystemConfig::from_json("{}").unwrap(), SystemConfig::default());
    }

    #[test]
    fn memory_limits_are_byte_counts() {
        let config = SystemConfig::from_json(r#"{"services": {"fs": {"memoryLimit": 268435456}}}"#).unwrap();
        assert_eq!(config.services[0].memory_limit, 256 << 20);
        assert_eq!(
            SystemConfig::from_json(r#"{"services": {"fs": {}}}"#).unwrap().services[0].memory_limit,
            0
        );
        let bad = err(r#"{"services": {"fs": {"memoryLimit": "256M"}}}"#);
        assert!(bad.starts_with("services.fs.memoryLimit: expected a number of bytes"), "{bad}");
        assert!(err(r#"{"services": {"fs": {"memoryLimit": -1}}}"#).contains("memoryLimit"));
    }

    #[test]
    fn exports_name_schema_interfaces() {
        let json = r#"{"services": {"echo": {"exports": {"echo": {"interface": "Echo"}}},
                       "user": {"caps": {"echo": {"source": {"service": "echo", "export": "echo"}}}}}}"#;
        let config = SystemConfig::from_json(json).unwrap();
        let echo = config.services.iter().find(|s| s.name == "echo").unwrap();
        assert_eq!(
            echo.exports,
            [Export { name: "echo".into(), interface_id: capos_schema::interface_id::ECHO }]
        );
        let bad = err(r#"{"services": {"echo": {"exports": {"echo": {"interface": "Ecko"}}}}}"#);
        assert!(
            bad.starts_with(
                "services.echo.exports.echo.interface: unknown interface \"Ecko\" (known: Console"
            ),
            "{bad}"
        );
    }

    #[test]
    fn unknown_kernel_cap_lists_the_known_ones() {
        assert_eq!(
            err(r#"{"services": {"hello": {"caps": {"clock": {"source": "clok"}}}}}"#),
            "services.hello.caps.clock.source: unknown kernel cap \"clok\" (known: console, timer, wallClock, \
             entropy, bootPackage, processSpawner, frameAllocator, virtualMemory, endpointFactory, revocationFactory, \
             terminal, stderr, pipeFactory)"
        );
    }

    #[test]
    fn unknown_fields_are_rejected_with_their_path() {
        assert_eq!(
            err(r#"{"servics": {}}"#),
            "servics: unknown top-level field (known: services, binaries, files, statusFrom)"
        );
        assert_eq!(
            err(r#"{"services": {"hello": {"capz": {}}}}"#),
            "services.hello.capz: unknown field (known: binary, args, env, caps, restart, dependsOn, exports, memoryLimit, kernelMemoryLimit)"
        );
        assert_eq!(
            err(r#"{"services": {"hello": {"caps": {"c": {"source": "console", "rights": 1}}}}}"#),
            "services.hello.caps.c.rights: unknown field (known: source)"
        );
        assert_eq!(
            err(
                r#"{"services": {"h": {"caps": {"c": {"source": {"service": "a", "export": "b", "x": 1}}}}}}"#
            ),
            "services.h.caps.c.source.x: unknown field (known: service, export)"
        );
        assert_eq!(
            err(r#"{"files": {"/a": {"content": "", "mode": 1}}}"#),
            "files.\"/a\".mode: unknown field (known: content, source, binary, symlink, writable)"
        );
    }

    #[test]
    fn wrong_types_and_missing_fields() {
        assert_eq!(err("[]"), "expected a struct, found a list");
        assert_eq!(err("not json"), "CUE's output is not JSON: expected ident at line 1 column 2");
        assert_eq!(err(r#"{"services": []}"#), "services: expected a struct, found a list");
        assert_eq!(err(r#"{"services": {"a": 1}}"#), "services.a: expected a struct, found a number");
        assert_eq!(
            err(r#"{"services": {"a": {"args": ["x", 2]}}}"#),
            "services.a.args[1]: expected a string, found a number"
        );
        assert_eq!(
            err(r#"{"services": {"a": {"args": "x"}}}"#),
            "services.a.args: expected a list of strings, found a string"
        );
        assert_eq!(
            err(r#"{"services": {"a": {"env": {"K": 1}}}}"#),
            "services.a.env.K: expected a string, found a number"
        );
        assert_eq!(
            err(r#"{"services": {"a": {"binary": null}}}"#),
            "services.a.binary: expected a string, found null"
        );
        assert_eq!(
            err(r#"{"services": {"a": {"caps": {"c": {}}}}}"#),
            "services.a.caps.c.source: missing field"
        );
        assert_eq!(
            err(r#"{"services": {"a": {"caps": {"c": {"source": 3}}}}}"#),
            "services.a.caps.c.source: expected a kernel cap name or {service, export}, found a number"
        );
        assert_eq!(
            err(r#"{"services": {"a": {"caps": {"c": {"source": {"service": "b"}}}}}}"#),
            "services.a.caps.c.source.export: missing field"
        );
        assert_eq!(
            err(r#"{"services": {"a": {"restart": "sometimes"}}}"#),
            "services.a.restart: unknown restart policy \"sometimes\" (known: never, onFailure, always)"
        );
        assert_eq!(err(r#"{"binaries": "x"}"#), "binaries: expected a list of strings, found a string");
        assert_eq!(
            err(r#"{"files": {"/a": {}}}"#),
            "files.\"/a\": missing content, source, binary or symlink"
        );
        assert_eq!(
            err(r#"{"files": {"/a": {"content": "", "source": "x"}}}"#),
            "files.\"/a\": give one of content, source, binary and symlink, not more"
        );
        assert_eq!(
            err(r#"{"files": {"/a": {"content": "", "writable": "yes"}}}"#),
            "files.\"/a\".writable: expected a boolean, found a string"
        );
        assert_eq!(
            err(r#"{"services": {"my-svc": {"x": 1}}}"#),
            "services.\"my-svc\".x: unknown field (known: binary, args, env, caps, restart, dependsOn, exports, memoryLimit, kernelMemoryLimit)"
        );
    }
}
