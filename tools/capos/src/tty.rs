//! The host terminal: raw mode for a program run whose stdin is a
//! terminal, restored on every way out (normal return, `exit`, panic, and
//! the signals that end a process).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// The settings to restore, saved once.
static SAVED: OnceLock<libc::termios> = OnceLock::new();
/// Whether [`SAVED`] must be written back (raw mode or QEMU may have
/// changed the terminal).
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Whether file descriptor `fd` is a terminal.
pub fn is_terminal(fd: i32) -> bool {
    // SAFETY: `isatty` only inspects the descriptor.
    unsafe { libc::isatty(fd) == 1 }
}

/// Saves stdin's terminal settings so [`restore`] (and the panic hook and
/// signal handlers installed here) can put them back; with `raw`, also
/// switches to raw input: no line editing, no echo, no signal keys (the
/// guest's line discipline does all that), output processing kept (so a
/// bare `\n` still starts a new line). Does nothing if stdin is not a
/// terminal.
pub fn save(raw: bool) -> std::io::Result<()> {
    if !is_terminal(libc::STDIN_FILENO) {
        return Ok(());
    }
    // SAFETY: an all-zero termios is a valid value to be overwritten.
    let mut current: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: `current` is a valid termios to fill in.
    if unsafe { libc::tcgetattr(libc::STDIN_FILENO, &mut current) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let _ = SAVED.set(current);
    install_handlers();
    ACTIVE.store(true, Ordering::SeqCst);
    if raw {
        let mut settings = current;
        settings.c_iflag &= !(libc::IGNBRK
            | libc::BRKINT
            | libc::PARMRK
            | libc::ISTRIP
            | libc::INLCR
            | libc::IGNCR
            | libc::ICRNL
            | libc::IXON);
        settings.c_lflag &= !(libc::ECHO | libc::ECHONL | libc::ICANON | libc::ISIG | libc::IEXTEN);
        settings.c_cflag &= !(libc::CSIZE | libc::PARENB);
        settings.c_cflag |= libc::CS8;
        settings.c_cc[libc::VMIN] = 1;
        settings.c_cc[libc::VTIME] = 0;
        // SAFETY: `settings` is a valid termios derived from the current one.
        if unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSAFLUSH, &settings) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Puts the saved terminal settings back (if [`save`] saved any and they
/// were not restored yet). Async-signal-safe.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst)
        && let Some(saved) = SAVED.get()
    {
        // SAFETY: `saved` came from `tcgetattr` on the same descriptor;
        // `tcsetattr` is async-signal-safe.
        unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, saved) };
    }
}

/// The signals that end a process by default and that a user or a
/// supervisor sends.
const SIGNALS: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

extern "C" fn on_signal(signal: libc::c_int) {
    restore();
    // SAFETY: resetting the disposition and re-raising are
    // async-signal-safe; the process then ends by the signal as it would
    // have without this handler.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
}

fn install_handlers() {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
    for signal in SIGNALS {
        // SAFETY: `on_signal` only calls async-signal-safe functions.
        unsafe { libc::signal(signal, on_signal as *const () as libc::sighandler_t) };
    }
}
