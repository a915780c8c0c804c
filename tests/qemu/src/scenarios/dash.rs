//! Interactive dash, `make run`'s shell: a scripted terminal session typed
//! into the serial console of the default system (system.cue: capos-shell
//! running `sh -l`), with the transcript checked line by line: the
//! greeting and prompt of /etc/profile, a command and its output, `cd`
//! and the prompt following it, PATH lookup (a native demo program from
//! /bin among them), the line discipline's
//! editing keys, pipelines (one typed ahead), Ctrl-C at the prompt, during a foreground
//! loop of the shell itself, during a foreground child and during `read`
//! (each back to the prompt with status 130), job control (dash turns
//! `set -m` on: Ctrl-Z stops a foreground job, `jobs`, `bg`, `fg`, then
//! Ctrl-C ends it), capos-shell started from
//! dash as /bin/capos-shell, and `exit 3` powering the machine off with
//! status 3 (booted with `poweroff`, as `make run` boots).
//!
//! No `sleep` program exists yet (busybox is a later port), so the
//! long-running foreground commands are shell loops.

use std::time::Duration;

use capos_abi::serial;
use qemu_runner::{BootMethod, Session, regex};

use super::Scenario;
use crate::harness::{
    BOOT_TIMEOUT, Ctx, STEP_TIMEOUT, TestFailure, ensure, expect_unordered, no_frames_leaked, re,
    type_at_prompt, wait_partial,
};

pub const SCENARIOS: &[Scenario] = &[Scenario {
    name: "dash-session",
    about: "make run's dash: prompt, commands, cd, PATH, line editing, a pipeline, Ctrl-C of loops, a child and read, Ctrl-Z/jobs/bg/fg, capos-shell, exit",
    run: dash_session,
}];

/// The prompt of /etc/profile's `PS1` for `status` and `cwd`.
fn prompt(status: i32, cwd: &str) -> String {
    format!("[{status}] capos:{cwd}$ ")
}

/// Types `line` and Enter at the prompt for `status` and `cwd`, then
/// expects the echoed line and each of `output` (regexes) in order.
fn typed(
    session: &mut Session,
    status: i32,
    cwd: &str,
    line: &str,
    output: &[&str],
) -> Result<(), TestFailure> {
    type_at_prompt(session, &prompt(status, cwd), line, output)
}

/// At the prompt for `status` and `cwd`, types `line`, waits until the
/// command has surely started (`started` is a line it prints first, or a
/// pause), presses Ctrl-C and expects the echoed `^C`.
fn interrupted(
    session: &mut Session,
    status: i32,
    cwd: &str,
    line: &str,
    started: Option<&str>,
) -> Result<(), TestFailure> {
    typed(session, status, cwd, line, started.as_slice())?;
    std::thread::sleep(Duration::from_millis(500));
    session.send(b"\x03")?;
    session.expect(&re(r"\^C$"), STEP_TIMEOUT)?;
    Ok(())
}

fn dash_session(ctx: &mut Ctx) -> Result<(), TestFailure> {
    // Booted as `make run` boots: the default manifest, `poweroff`.
    let mut s = ctx.boot_manifest_by("default", capos_abi::cmdline::POWEROFF, BootMethod::Direct)?;
    expect_unordered(
        &mut s,
        &[r"^dash on capOS: `exit` \(or Ctrl-D\) powers off", r"\[init\] started shell \(pid \d+\)$"],
        BOOT_TIMEOUT,
    )?;
    // Typed bytes are echoed when they arrive: wait for the first prompt.
    wait_partial(&mut s, &prompt(0, "/"), STEP_TIMEOUT)?;
    typed(&mut s, 0, "/", "echo hello $((6 * 7))", &[r"^hello 42$"])?;
    // The status of the last command in the prompt; PATH lookup of sh.
    typed(&mut s, 0, "/", "sh -c 'exit 4'", &[])?;
    typed(&mut s, 4, "/", "command -v sh; echo $HOME $PATH", &[r"^/bin/sh$", r"^/home /bin$"])?;
    // A native program from /bin, exec'd by dash with dash's caps.
    typed(&mut s, 0, "/", "hello", &[r"^hello, world! \(pid \d+, caps: terminal, stderr, console, fs, "])?;
    // cd, and the prompt's directory following it.
    typed(&mut s, 0, "/", "cd /tmp", &[])?;
    typed(&mut s, 0, "/tmp", "echo one two three >f; read a b c <f; echo \"$c $a\"", &[r"^three one$"])?;
    typed(&mut s, 0, "/tmp", "cd; pwd", &[r"^/home$"])?;
    typed(&mut s, 0, "/home", "cd /tmp", &[])?;
    // Line editing by the terminal: Backspace erases a byte, Ctrl-U the
    // line (the echo shows both edits; the shell sees the result).
    wait_partial(&mut s, &prompt(0, "/tmp"), STEP_TIMEOUT)?;
    s.send(b"echo abx\x7fc\r")?;
    s.expect(&re(r"^abc$"), STEP_TIMEOUT)?;
    wait_partial(&mut s, &prompt(0, "/tmp"), STEP_TIMEOUT)?;
    s.send(b"echo wrong\x15echo right\r")?;
    s.expect(&re(r"^right$"), STEP_TIMEOUT)?;
    // A pipeline of builtins, a child shell and a function.
    typed(
        &mut s,
        0,
        "/tmp",
        "sq() { while read n; do echo $((n * n)); done; }; for i in 1 2 3; do echo $i; done | sq | sh -c 'while read x; do echo \"<$x>\"; done'",
        &[r"^<1>$", r"^<4>$", r"^<9>$"],
    )?;
    // Typed ahead: both lines wait in the terminal while the first runs;
    // the pipeline's first stage ends before the second is forked.
    wait_partial(&mut s, &prompt(0, "/tmp"), STEP_TIMEOUT)?;
    s.send(b"echo x | { read y; echo got-$y; }\recho second line\r")?;
    // (Each output may follow the prompt printed before it on its line.)
    s.expect(&re(r"got-x$"), STEP_TIMEOUT)?;
    s.expect(&re(r"second line$"), STEP_TIMEOUT)?;
    // Ctrl-C at the prompt discards the line and gives a new prompt.
    wait_partial(&mut s, &prompt(0, "/tmp"), STEP_TIMEOUT)?;
    s.send(b"echo never")?;
    std::thread::sleep(Duration::from_millis(300));
    s.send(b"\x03")?;
    s.expect(&re(&format!(r"^{}echo never\^C$", regex::escape(&prompt(0, "/tmp")))), STEP_TIMEOUT)?;
    // Ctrl-C during a long-running foreground command: a loop of the
    // shell itself, a child shell's loop, and a `read` waiting for input.
    interrupted(&mut s, 130, "/tmp", "echo looping; while :; do :; done", Some(r"^looping$"))?;
    interrupted(
        &mut s,
        130,
        "/tmp",
        "sh -c 'echo child looping; while :; do :; done'; echo not reached",
        Some(r"^child looping$"),
    )?;
    interrupted(&mut s, 130, "/tmp", "read line; echo not reached", None)?;
    typed(&mut s, 130, "/tmp", "echo after interrupts", &[r"^after interrupts$"])?;
    // The dash loop's interrupt left the shell's state alone.
    typed(&mut s, 0, "/tmp", "echo $c", &[r"^three$"])?;
    // Job control (interactive dash turns `set -m` on): the job runs in a
    // process group of its own, the terminal's foreground; Ctrl-Z stops
    // it (status 148), `bg` continues it in the background, `fg` brings it
    // back to the foreground, where Ctrl-C ends it.
    let job = r#"sh -c "echo job looping; while :; do :; done""#;
    typed(&mut s, 0, "/tmp", "sh -c 'echo job looping; while :; do :; done'", &[r"^job looping$"])?;
    std::thread::sleep(Duration::from_millis(500));
    s.send(b"\x1a")?;
    s.expect(&re(r"\^Z$"), STEP_TIMEOUT)?;
    let stopped = format!(r"^\[1\] \+ Stopped +{}$", regex::escape(job));
    s.expect(&re(&stopped), STEP_TIMEOUT)?;
    typed(&mut s, 148, "/tmp", "jobs", &[&stopped])?;
    typed(&mut s, 0, "/tmp", "bg", &[&format!(r"^\[1\] {}$", regex::escape(job))])?;
    typed(&mut s, 0, "/tmp", "jobs", &[&format!(r"^\[1\] \+ Running +{}$", regex::escape(job))])?;
    typed(&mut s, 0, "/tmp", "fg", &[&format!("^{}$", regex::escape(job))])?;
    std::thread::sleep(Duration::from_millis(500));
    s.send(b"\x03")?;
    s.expect(&re(r"\^C$"), STEP_TIMEOUT)?;
    typed(&mut s, 130, "/tmp", "jobs; echo no jobs", &[r"^no jobs$"])?;
    // capos-shell is still there, as /bin/capos-shell found on PATH, in
    // dash's directory (`PWD`); its `exit` comes back to dash with its
    // status.
    typed(&mut s, 0, "/tmp", "capos-shell", &[r"^capos-shell: the capOS capability shell"])?;
    wait_partial(&mut s, "[0] capos:/tmp> ", STEP_TIMEOUT)?;
    s.send(b"cat f\r")?;
    s.expect(&re(r"^one two three$"), STEP_TIMEOUT)?;
    wait_partial(&mut s, "[0] capos:/tmp> ", STEP_TIMEOUT)?;
    s.send(b"exit 5\r")?;
    typed(&mut s, 5, "/tmp", "exit 3", &[])?;
    let ended = expect_unordered(
        &mut s,
        &[r"^\[init\] shell \(pid \d+\) (.+)$", r"^\[init\] fs \(pid \d+\) (.+)$"],
        STEP_TIMEOUT,
    )?;
    ensure(ended[0].get(1) == Some("exited with code 3"), &s, || {
        format!("shell ended: {:?}", ended[0].get(1))
    })?;
    ensure(matches!(ended[1].get(1), Some("exited with code 0" | "was killed")), &s, || {
        format!("fs ended: {:?}", ended[1].get(1))
    })?;
    let leaks = no_frames_leaked(&mut s)?;
    // `exit` powers the machine off with the shell's status.
    let off = s.expect(&re(&format!("^{}(.*)", regex::escape(serial::POWER_OFF))), STEP_TIMEOUT)?;
    ensure(off.get(1) == Some("exited 3"), &s, || format!("want `exited 3`, got {:?}", off.line))?;
    s.wait_exit(STEP_TIMEOUT)?;
    ctx.note(format!("typed session matched, powered off; {leaks}"));
    Ok(())
}
