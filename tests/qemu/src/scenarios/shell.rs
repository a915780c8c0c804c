//! capos-shell on the terminal: a scripted session typed into the serial
//! console of systems/capos-shell.cue (capos-shell interactive, with the
//! default system's caps and files), with the transcript checked
//! line by line, Ctrl-C at the prompt and while a program runs, and the
//! system ending cleanly after `exit`.

use std::time::{Duration, Instant};

use qemu_runner::Session;

use super::Scenario;
use crate::harness::{
    BOOT_TIMEOUT, Ctx, STEP_TIMEOUT, TestFailure, ensure, expect_unordered, no_frames_leaked, re,
    type_at_prompt, wait_partial,
};

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "shell-session",
        about: "capos-shell: typed commands, files, programs, exit statuses in the prompt, Ctrl-C, exit",
        run: shell_session,
    },
    Scenario {
        name: "shell-ctrl-c",
        about: "Ctrl-C's SIGINT from the terminal interrupt ends programs reading or running, 24 times",
        run: shell_ctrl_c,
    },
];

/// Waits until the partial line is the prompt `[STATUS] capos:CWD> `.
fn wait_prompt(session: &mut Session, status: i32, cwd: &str, timeout: Duration) -> Result<(), TestFailure> {
    wait_partial(session, &format!("[{status}] capos:{cwd}> "), timeout)
}

/// Types `line` and Enter at the prompt `[status] capos:cwd> `, then
/// expects the echoed line and each of `output` (regexes) in order.
fn typed(
    session: &mut Session,
    status: i32,
    cwd: &str,
    line: &str,
    output: &[&str],
) -> Result<(), TestFailure> {
    type_at_prompt(session, &format!("[{status}] capos:{cwd}> "), line, output)
}

fn shell_session(ctx: &mut Ctx) -> Result<(), TestFailure> {
    let mut s = ctx.boot_manifest("capos-shell")?;
    // Init reports the shell's start on the same console, before or after
    // the greeting, maybe after the first prompt (on its line). Once both
    // are there, an empty line gives a prompt of its own.
    expect_unordered(
        &mut s,
        &[r"^capos-shell: the capOS capability shell", r"\[init\] started shell \(pid \d+\)$"],
        BOOT_TIMEOUT,
    )?;
    // Typed bytes are echoed when they arrive, so wait for the first prompt
    // (alone, or with init's line written after it) before typing.
    let deadline = Instant::now() + STEP_TIMEOUT;
    while !s.partial().ends_with("[0] capos:/> ")
        && !s.lines().iter().any(|l| l.text.starts_with("[0] capos:/> [init]"))
    {
        if Instant::now() >= deadline {
            return Err(TestFailure::in_session(&s, "no first prompt"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let before = s.lines().len();
    s.send(b"\r")?;
    while s.lines().len() == before || !s.partial().ends_with("[0] capos:/> ") {
        if Instant::now() >= deadline {
            return Err(TestFailure::in_session(&s, "no prompt after an empty line"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    typed(&mut s, 0, "/", "help", &[r"^  caps +the capabilities this shell holds", r"^  exit \[STATUS\] +"])?;
    typed(
        &mut s,
        0,
        "/",
        "caps",
        &[
            r"^  terminal +TerminalSession +id ",
            r"^  fs +Directory +id ",
            r"^  processSpawner +ProcessSpawner",
        ],
    )?;
    typed(&mut s, 0, "/", "echo 'two  spaces' and\\ more", &[r"^two  spaces and more$"])?;
    // Files: a read-only boot file, the writable RAM tree.
    typed(&mut s, 0, "/", "cat /etc/motd", &[r"^Welcome to capOS\.$"])?;
    typed(&mut s, 0, "/", "write /etc/motd nope", &[r"^capos-shell: write: /etc/motd: read-only$"])?;
    typed(&mut s, 1, "/", "mkdir /tmp/notes", &[])?;
    typed(&mut s, 0, "/", "cd /tmp/notes", &[])?;
    typed(&mut s, 0, "/tmp/notes", "write today hello capOS", &[])?;
    typed(&mut s, 0, "/tmp/notes", "write -a today second line", &[])?;
    typed(&mut s, 0, "/tmp/notes", "cat today", &[r"^hello capOS$", r"^second line$"])?;
    typed(&mut s, 0, "/tmp/notes", "ls", &[r"^today +24$"])?;
    typed(&mut s, 0, "/tmp/notes", "cd ..", &[])?;
    typed(&mut s, 0, "/tmp", "rm notes", &[r"^capos-shell: rm: /tmp/notes: directory not empty$"])?;
    typed(&mut s, 1, "/tmp", "rm notes/today", &[])?;
    typed(&mut s, 0, "/tmp", "rm notes", &[])?;
    typed(&mut s, 0, "/tmp", "ls /tmp", &[])?;
    typed(&mut s, 0, "/tmp", "cat notes/today", &[r"^capos-shell: cat: /tmp/notes/today: not found$"])?;
    // Programs: exit statuses come back in the prompt.
    typed(&mut s, 1, "/tmp", "probe --out from-probe --exit 42", &[r"^from-probe$"])?;
    typed(&mut s, 42, "/tmp", "run -c terminal probe --args", &[r"^probe$", r"^--args$"])?;
    // The standard caps, or exactly the chosen ones (hello lists its caps).
    typed(
        &mut s,
        0,
        "/tmp",
        "hello",
        &[
            r"^hello, world! \(pid \d+, caps: terminal, stderr, console, fs, timer, wallClock, entropy, virtualMemory, pipeFactory\)$",
        ],
    )?;
    typed(&mut s, 0, "/tmp", "run -c console hello you", &[r"^hello, you! \(pid \d+, caps: console\)$"])?;
    // No caps at all: stranger exits 0 only then (its first check, 10,
    // fails with any cap); without the cap it needs, hello names it.
    typed(&mut s, 0, "/tmp", "run -c '' stranger", &[])?;
    typed(&mut s, 0, "/tmp", "stranger", &[])?;
    typed(
        &mut s,
        10,
        "/tmp",
        "run -c terminal hello",
        &[r#"^hello: error: no Console cap named "console"$"#],
    )?;
    typed(&mut s, 1, "/tmp", "nosuch thing", &[r"^capos-shell: nosuch: program not found$"])?;
    typed(&mut s, 127, "/tmp", "run -c timer probe --out x", &[])?;
    // probe had no terminal: its output went nowhere, and it succeeded.
    typed(&mut s, 0, "/tmp", "call timer now", &[r"^ns = \d+$"])?;
    typed(&mut s, 0, "/tmp", "call terminal windowSize", &[r"^rows = 24$", r"^cols = 80$"])?;
    typed(
        &mut s,
        0,
        "/tmp",
        "call timer frobnicate",
        &["^capos-shell: call: Timer has no method \"frobnicate\""],
    )?;
    // Ctrl-C at the prompt discards the line.
    wait_prompt(&mut s, 2, "/tmp", STEP_TIMEOUT)?;
    s.send(b"echo never")?;
    std::thread::sleep(Duration::from_millis(300));
    s.send(b"\x03")?;
    s.expect(&re(r"^\[2\] capos:/tmp> echo never\^C$"), STEP_TIMEOUT)?;
    // Ctrl-C while a program runs kills it: probe copies the terminal to
    // its output until then.
    typed(&mut s, 130, "/tmp", "probe --cat-stdin", &[])?;
    s.send(b"typed to probe\r")?;
    s.expect(&re(r"^typed to probe$"), STEP_TIMEOUT)?;
    s.expect(&re(r"^typed to probe$"), STEP_TIMEOUT)?;
    s.send(b"\x03")?;
    s.expect(&re(r"\^C$"), STEP_TIMEOUT)?;
    // Ctrl-D ends a program's input: cat-stdin then exits with 0.
    typed(&mut s, 130, "/tmp", "probe --cat-stdin --exit 5", &[])?;
    s.send(b"last\r\x04")?;
    s.expect(&re(r"^last$"), STEP_TIMEOUT)?;
    // A reader that dies takes no input: the next line reaches the shell.
    typed(&mut s, 5, "/tmp", "probe --abandon-read --exit 6", &[])?;
    typed(&mut s, 6, "/tmp", "echo still here", &[r"^still here$"])?;
    typed(&mut s, 0, "/tmp", "exit 3", &[])?;
    // The shell's end takes the file system's last client away, and init
    // stops what still runs once the shell (statusFrom) has ended: both
    // end, in either order, fs by itself or killed.
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
    ctx.note(format!("typed session matched; {}", no_frames_leaked(&mut s)?));
    Ok(())
}

/// Boots capos-shell and waits for its first prompt (`[0] capos:/> `).
fn first_prompt(ctx: &mut Ctx) -> Result<Session, TestFailure> {
    let mut s = ctx.boot_manifest("capos-shell")?;
    expect_unordered(
        &mut s,
        &[r"^capos-shell: the capOS capability shell", r"\[init\] started shell \(pid \d+\)$"],
        BOOT_TIMEOUT,
    )?;
    let before = s.lines().len();
    // Init's line may land on the prompt's: an empty line gives a clean one.
    let deadline = Instant::now() + STEP_TIMEOUT;
    while !s.partial().ends_with("[0] capos:/> ")
        && !s.lines().iter().any(|l| l.text.starts_with("[0] capos:/> [init]"))
    {
        if Instant::now() >= deadline {
            return Err(TestFailure::in_session(&s, "no first prompt"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    s.send(b"\r")?;
    while s.lines().len() == before || !s.partial().ends_with("[0] capos:/> ") {
        if Instant::now() >= deadline {
            return Err(TestFailure::in_session(&s, "no prompt after an empty line"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(s)
}

/// Ctrl-C while the program (the terminal's foreground group) waits in a
/// terminal read, and while it and a child of its run on the CPU, 12
/// rounds of each: the kernel sends `SIGINT` from the terminal's
/// interrupt, and each program dies of it (status 130). The interrupt
/// used to end the process right there: with the interrupted thread one of
/// the process's and another ready, the tick's preemption then freed the
/// stack it ran on (a double fault, about 1 in 4 `shell-session` runs when
/// interactive capos-shell set the foreground group). The leak check at
/// the end counts every frame of the 36 processes.
fn shell_ctrl_c(ctx: &mut Ctx) -> Result<(), TestFailure> {
    let mut s = first_prompt(ctx)?;
    let mut status = 0;
    for round in 0..24 {
        let line = if round % 2 == 0 {
            "probe --cat-stdin"
        } else {
            "run -c processSpawner probe --spawn-orphan spin --spin"
        };
        typed(&mut s, status, "/", line, &[])?;
        // Let it start (and, reading, block) before the Ctrl-C.
        std::thread::sleep(Duration::from_millis(150 + 40 * (round % 5)));
        s.send(b"\x03")?;
        s.expect(&re(r"\^C$"), STEP_TIMEOUT)?;
        status = 130;
    }
    typed(&mut s, status, "/", "exit 0", &[])?;
    expect_unordered(
        &mut s,
        &[r"^\[init\] shell \(pid \d+\) exited with code 0$", r"^\[init\] fs \(pid \d+\) (.+)$"],
        STEP_TIMEOUT,
    )?;
    ctx.note(format!("24 Ctrl-C rounds; {}", no_frames_leaked(&mut s)?));
    Ok(())
}
