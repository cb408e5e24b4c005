//! A pseudo-terminal for driving the real binary as a person would: the child gets a pty as its
//! controlling terminal, a thread feeds everything it writes to a vt100 screen, and the test
//! types keys and reads the screen. Needs nothing outside cargo (libc's openpty, the vt100
//! crate). Unix only.
#![allow(dead_code)]

use std::fs::File;
use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub struct Pty {
    master: File,
    child: Child,
    screen: Arc<Mutex<vt100::Parser>>,
    /// Everything the child wrote, to check what never reached the screen.
    raw: Arc<Mutex<Vec<u8>>>,
    reader: Option<JoinHandle<()>>,
}

fn winsize(cols: u16, rows: u16) -> libc::winsize {
    libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    }
}

fn nz(n: u16) -> NonZeroU16 {
    NonZeroU16::new(n).expect("a size above zero")
}

impl Pty {
    /// Starts `cmd` on a new `cols`x`rows` pty, as the session leader with the pty as its
    /// controlling terminal.
    pub fn spawn(mut cmd: Command, cols: u16, rows: u16) -> Pty {
        let (mut master, mut slave) = (0, 0);
        let ws = winsize(cols, rows);
        // SAFETY: openpty writes two fds into the pointers it is given; the rest may be null.
        let rc = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                &ws,
            )
        };
        assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: both fds were just opened and are owned here alone.
        let (master, slave) = unsafe { (File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        cmd.stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave));
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                if libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("start the child on the pty");
        // The parent's copies of the slave end are in `cmd`: close them so EOF can happen.
        drop(cmd);
        let screen = Arc::new(Mutex::new(vt100::Parser::new(nz(rows), nz(cols), 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let mut reader_end = master.try_clone().unwrap();
        let (s, r) = (screen.clone(), raw.clone());
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            loop {
                match reader_end.read(&mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        s.lock().unwrap().process(&buf[..n]);
                        r.lock().unwrap().extend_from_slice(&buf[..n]);
                    }
                }
            }
        });
        Pty {
            master,
            child,
            screen,
            raw,
            reader: Some(reader),
        }
    }

    /// Types bytes (keys) into the terminal.
    pub fn send(&mut self, bytes: &str) {
        self.master.write_all(bytes.as_bytes()).unwrap();
        self.master.flush().unwrap();
    }

    /// Types a key, then waits a moment: a lone Esc must not run into the next key (a terminal
    /// would read `Esc [` as the start of an escape sequence).
    pub fn key(&mut self, bytes: &str) {
        self.send(bytes);
        std::thread::sleep(Duration::from_millis(150));
    }

    /// The screen's text now.
    pub fn text(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    pub fn alternate_screen(&self) -> bool {
        self.screen.lock().unwrap().screen().alternate_screen()
    }

    pub fn cursor_hidden(&self) -> bool {
        self.screen.lock().unwrap().screen().hide_cursor()
    }

    pub fn raw_output(&self) -> Vec<u8> {
        self.raw.lock().unwrap().clone()
    }

    /// Waits until the screen satisfies `ready`; panics with the screen after `timeout`.
    pub fn wait_for(&self, what: &str, timeout: Duration, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let text = self.text();
            if ready(&text) {
                return text;
            }
            if start.elapsed() > timeout {
                panic!("timed out after {timeout:?} waiting for {what}; the screen:\n{text}");
            }
            // Short enough for the benchmark to time frames with it.
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Waits until the screen shows every one of `needles`.
    pub fn wait_text(&self, needles: &[&str]) -> String {
        let what = format!("{needles:?}");
        self.wait_for(&what, Duration::from_secs(60), |t| {
            needles.iter().all(|n| t.contains(n))
        })
    }

    /// Resizes the terminal (the child gets SIGWINCH from the kernel). The screen changes size
    /// first, under its lock: whatever the child draws for the new size lands on a screen of
    /// that size, as on a real terminal.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        let mut screen = self.screen.lock().unwrap();
        screen.set_size(nz(rows), nz(cols));
        let ws = winsize(cols, rows);
        // SAFETY: TIOCSWINSZ reads a winsize from the pointer.
        let rc = unsafe { libc::ioctl(self.master.as_raw_fd(), libc::TIOCSWINSZ as _, &ws) };
        assert_eq!(rc, 0);
    }

    /// The terminal's line discipline flags: canonical mode and echo are what a shell needs back.
    pub fn cooked(&self) -> bool {
        // SAFETY: tcgetattr fills the termios it is given.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        let rc = unsafe { libc::tcgetattr(self.master.as_raw_fd(), &mut t) };
        assert_eq!(rc, 0);
        t.c_lflag & libc::ICANON != 0 && t.c_lflag & libc::ECHO != 0
    }

    /// Waits for the child to exit.
    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader take in the last bytes.
                std::thread::sleep(Duration::from_millis(100));
                return status;
            }
            if start.elapsed() > timeout {
                let _ = self.child.kill();
                panic!("the child did not exit; the screen:\n{}", self.text());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The reader ends when the child's side closes; don't wait for it if it does not.
        drop(self.reader.take());
    }
}
