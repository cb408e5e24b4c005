//! Terminal hygiene: raw mode and the alternate screen on the way in, everything restored on
//! every way out (return, error, panic), stepping aside for a user's command, and the two
//! escape sequences drawn outside ratatui: OSC 52 (copy) and OSC 8 (hyperlinks).

use std::io::{self, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};
use std::thread::ThreadId;

use crossterm::cursor::{Hide, MoveTo, Show};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{execute, queue};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use super::widgets::pane::Link;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Whether the TUI owns the terminal now (the panic hook restores it only then).
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// The thread drawing the UI: a panic there ends the TUI; elsewhere (a background task) it is
/// reported in the status line by the task's owner and must not scribble on the screen.
static UI_THREAD: Mutex<Option<ThreadId>> = Mutex::new(None);
static HOOK: Once = Once::new();

/// Restores the terminal when dropped, whatever the way out.
pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        leave();
    }
}

/// Raw mode, the alternate screen, no cursor; and a panic hook that undoes them first.
pub fn enter() -> io::Result<(Term, Guard)> {
    install_panic_hook();
    *UI_THREAD.lock().unwrap_or_else(|e| e.into_inner()) = Some(std::thread::current().id());
    take_over(&mut io::stdout())?;
    ACTIVE.store(true, Ordering::SeqCst);
    let term = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    Ok((term, Guard))
}

fn take_over(out: &mut impl Write) -> io::Result<()> {
    enable_raw_mode()?;
    execute!(out, EnterAlternateScreen, Hide)
}

/// The bytes that give the screen back: leave the alternate screen, show the cursor.
pub fn write_restore(out: &mut impl Write) -> io::Result<()> {
    execute!(out, LeaveAlternateScreen, Show)
}

/// Gives the terminal back (idempotent). Raw mode goes first: it matters most.
pub fn leave() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = disable_raw_mode();
        let _ = write_restore(&mut io::stdout());
    }
}

/// Steps aside for a user's command: the normal screen, cooked mode, a visible cursor.
pub fn suspend() -> io::Result<()> {
    leave();
    Ok(())
}

/// Takes the terminal back after [`suspend`]; the next draw repaints everything.
pub fn resume(term: &mut Term) -> io::Result<()> {
    take_over(&mut io::stdout())?;
    ACTIVE.store(true, Ordering::SeqCst);
    // Not `Terminal::clear`: it asks the terminal where the cursor is, and waits for the answer.
    let size = term.size()?;
    term.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))
}

/// While raised, ctrl-c (SIGINT) and ctrl-\ (SIGQUIT) reach a user's command but not cdkx: the
/// signals are caught by a handler that does nothing, and a caught signal goes back to its
/// default in a program that is started, so the command still stops on ctrl-c. (Ignoring them
/// instead would be inherited, and the command could not be stopped.)
pub struct InterruptShield {
    #[cfg(unix)]
    previous: [(libc::c_int, libc::sighandler_t); 2],
}

#[cfg(unix)]
extern "C" fn nothing(_: libc::c_int) {}

impl InterruptShield {
    pub fn raise() -> InterruptShield {
        #[cfg(unix)]
        {
            let handler = nothing as extern "C" fn(libc::c_int) as libc::sighandler_t;
            // SAFETY: installing a handler that does nothing (async-signal-safe); the previous
            // dispositions are put back on drop.
            let previous = [libc::SIGINT, libc::SIGQUIT]
                .map(|sig| (sig, unsafe { libc::signal(sig, handler) }));
            InterruptShield { previous }
        }
        #[cfg(not(unix))]
        InterruptShield {}
    }
}

impl Drop for InterruptShield {
    fn drop(&mut self) {
        #[cfg(unix)]
        for (sig, previous) in self.previous {
            // SAFETY: restoring what `raise` replaced.
            unsafe {
                libc::signal(sig, previous);
            }
        }
    }
}

fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let ui = *UI_THREAD.lock().unwrap_or_else(|e| e.into_inner());
            let on_ui = ui == Some(std::thread::current().id());
            if ACTIVE.load(Ordering::SeqCst) && !on_ui {
                // A background task: its JoinError carries the message to the status line.
                return;
            }
            leave();
            previous(info);
        }));
    });
}

/// Puts text on the clipboard with OSC 52 (terminals that allow it; tmux needs set-clipboard).
pub fn copy(out: &mut impl Write, text: &str) -> io::Result<()> {
    let encoded = aws_smithy_types::base64::encode(text.as_bytes());
    write!(out, "\x1b]52;c;{encoded}\x07")?;
    out.flush()
}

/// Marks drawn text as hyperlinks (OSC 8). The text is what ratatui drew there, so the screen
/// does not change for terminals that ignore the sequence.
pub fn hyperlinks(out: &mut impl Write, links: &[Link]) -> io::Result<()> {
    for l in links {
        // Only plain https URLs: no byte of it may end the sequence early.
        if !l.url.starts_with("https://") || l.url.chars().any(|c| c.is_control()) {
            continue;
        }
        queue!(out, MoveTo(l.x, l.y))?;
        write!(
            out,
            "\x1b[4m\x1b]8;;{}\x1b\\{}\x1b]8;;\x1b\\\x1b[24m",
            l.url, l.text
        )?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restoring_leaves_the_alternate_screen_and_shows_the_cursor() {
        let mut out = Vec::new();
        write_restore(&mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(s.contains("\x1b[?1049l"), "{s:?}");
        assert!(s.contains("\x1b[?25h"), "{s:?}");
    }

    #[test]
    fn osc_sequences_carry_only_safe_text() {
        let mut out = Vec::new();
        copy(&mut out, "fn-1").unwrap();
        assert_eq!(out, b"\x1b]52;c;Zm4tMQ==\x07");
        let mut out = Vec::new();
        let link = |url: &str| Link {
            x: 1,
            y: 2,
            text: "t".into(),
            url: url.into(),
        };
        hyperlinks(
            &mut out,
            &[
                link("https://console.aws.amazon.com/x"),
                link("https://a\x07b"),
                link("javascript:x"),
            ],
        )
        .unwrap();
        let s = String::from_utf8(out).unwrap();
        assert_eq!(s.matches("\x1b]8;;https://").count(), 1, "{s:?}");
        assert!(s.contains("\x1b]8;;https://console.aws.amazon.com/x\x1b\\t\x1b]8;;\x1b\\"));
    }
}
